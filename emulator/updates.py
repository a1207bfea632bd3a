"""The bot's update queue: ids, confirmation by offset, long polling, redelivery."""

from __future__ import annotations

import asyncio
import copy
from dataclasses import dataclass
from typing import Any

from .errors import POLLING_CONFLICT

DEFAULT_EXCLUDED = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


@dataclass(eq=False)
class PendingUpdate:
    update_id: int | None
    payload: dict[str, Any]
    once: bool = False


def update_type(payload: dict[str, Any]) -> str | None:
    return next((key for key in payload if key != "update_id"), None)


class UpdateQueue:
    def __init__(self, first_id: int = 1000) -> None:
        self.pending: list[PendingUpdate] = []
        self.history: dict[int, dict[str, Any]] = {}
        self.next_id = first_id
        self.allowed: list[str] | None = None
        self.closed = False
        self._signal = asyncio.Event()
        self._generation = 0

    def notify(self) -> None:
        self._signal.set()
        self._signal = asyncio.Event()

    async def wait_change(self, timeout: float) -> None:
        signal = self._signal
        try:
            await asyncio.wait_for(signal.wait(), timeout)
        except TimeoutError:
            pass

    def close(self) -> None:
        self.closed = True
        self.notify()

    def push(self, kind: str, body: dict[str, Any]) -> int:
        update_id = self.next_id
        self.next_id += 1
        payload = {"update_id": update_id, kind: body}
        self.history[update_id] = payload
        self.pending.append(PendingUpdate(update_id, payload))
        self.notify()
        return update_id

    def push_raw(self, payload: dict[str, Any], assign_id: bool = False) -> int | None:
        raw_id = payload.get("update_id")
        if raw_id is None and assign_id:
            raw_id = self.next_id
            payload = {"update_id": raw_id, **payload}
        update_id = raw_id if isinstance(raw_id, int) and not isinstance(raw_id, bool) else None
        if update_id is not None:
            self.history[update_id] = payload
            self.next_id = max(self.next_id, update_id + 1)
        self.pending.append(PendingUpdate(update_id, payload, once=update_id is None))
        self.notify()
        return update_id

    def redeliver(self, update_id: int) -> bool:
        payload = self.history.get(update_id)
        if payload is None:
            return False
        self.pending.append(PendingUpdate(update_id, copy.deepcopy(payload), once=True))
        self.notify()
        return True

    def allows(self, entry: PendingUpdate) -> bool:
        kind = update_type(entry.payload)
        if kind is None or entry.once:
            return True
        if not self.allowed:
            return kind not in DEFAULT_EXCLUDED
        return kind in self.allowed

    def confirm(self, offset: int) -> None:
        if offset < 0:
            keep = self.pending[offset:]
            self.pending = [e for e in self.pending if e.once or e in keep]
            return
        self.pending = [
            e for e in self.pending if e.once or e.update_id is None or e.update_id >= offset
        ]

    def peek(self) -> PendingUpdate | None:
        self.pending = [e for e in self.pending if self.allows(e)]
        return self.pending[0] if self.pending else None

    def remove(self, entry: PendingUpdate) -> None:
        if entry in self.pending:
            self.pending.remove(entry)

    def take(self, limit: int) -> list[dict[str, Any]]:
        self.pending = [e for e in self.pending if self.allows(e)]
        batch = self.pending[:limit]
        for entry in batch:
            if entry.once:
                self.pending.remove(entry)
        return [entry.payload for entry in batch]

    async def get_updates(
        self, offset: int | None, limit: int, timeout: float, allowed: list[str] | None
    ) -> list[dict[str, Any]]:
        if allowed is not None:
            self.allowed = allowed
        self._generation += 1
        generation = self._generation
        self.notify()
        if offset is not None:
            self.confirm(offset)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if generation != self._generation:
                raise POLLING_CONFLICT
            batch = self.take(limit)
            remaining = deadline - loop.time()
            if batch or remaining <= 0 or self.closed:
                return batch
            await self.wait_change(remaining)
