"""Per-chat fault injection: kicked, blocked, migrate, server_error, flood."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from .errors import ApiError, server_error, too_many_requests
from .models import Chat
from .state import EmulatorState

FAULT_KINDS = ("kicked", "blocked", "migrate", "server_error", "flood")


@dataclass
class Fault:
    kind: str
    remaining: int | None = None
    retry_after: int = 5
    undo: Callable[[], None] | None = None

    def describe(self) -> dict[str, object]:
        return {"kind": self.kind, "remaining": self.remaining, "retry_after": self.retry_after}


class FaultTable:
    def __init__(self) -> None:
        self.faults: dict[int, Fault] = {}
        self.server_error_rate = 0.0  # of every chat-bound call, at random (a soak's chaos)
        self._random = random.Random(0)
        self.random_server_errors = 0

    def set_chaos(self, server_error_rate: float, seed: int = 0) -> None:
        """Answer this share of chat-bound calls with a 500, drawn from a seeded sequence."""
        if not 0.0 <= server_error_rate <= 1.0:
            raise ValueError("server_error_rate must be between 0 and 1")
        self.server_error_rate = server_error_rate
        self._random = random.Random(seed)

    def clear(self, chat_id: int) -> None:
        fault = self.faults.pop(chat_id, None)
        if fault is not None and fault.undo is not None:
            fault.undo()

    def set(
        self,
        state: EmulatorState,
        chat: Chat,
        kind: str,
        count: int | None = None,
        retry_after: int | None = None,
    ) -> Fault:
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}")
        self.clear(chat.id)
        fault = Fault(kind, count, retry_after or 5)
        if kind == "kicked" and chat.is_group:
            previous = chat.bot_status
            chat.bot_status = "kicked"

            def restore_status() -> None:
                chat.bot_status = previous

            fault.undo = restore_status
        elif kind in ("blocked", "kicked"):
            user = state.users.get(chat.id)
            if user is None:
                raise ValueError("'blocked' needs a private chat")
            user.blocked = True

            def unblock() -> None:
                user.blocked = False

            fault.undo = unblock
        elif kind == "migrate":
            if chat.type != "group" or chat.migrated_to is not None:
                raise ValueError("'migrate' needs a basic group that was not migrated yet")
            state.migrate(chat)

            def unmigrate() -> None:
                chat.migrated_to = None

            fault.undo = unmigrate
        self.faults[chat.id] = fault
        return fault

    def transient_error(self, chat_id: int) -> ApiError | None:
        """Consume one injected server_error/flood answer for this chat, if any; else, at the
        chaos rate, a random 500."""
        fault = self.faults.get(chat_id)
        if (
            fault is None
            and self.server_error_rate
            and (self._random.random() < self.server_error_rate)
        ):
            self.random_server_errors += 1
            return server_error()
        if fault is None or fault.kind not in ("server_error", "flood"):
            return None
        if fault.remaining is not None:
            fault.remaining -= 1
            if fault.remaining <= 0:
                del self.faults[chat_id]
        if fault.kind == "flood":
            return too_many_requests(fault.retry_after)
        return server_error()
