"""A hand-written fake `Sender` for fast engine tests (no network): it keeps each chat's
messages as Telegram would show them, including what edits, deletes and unpins did."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any

from channels.port import (
    BadRequest,
    Button,
    Buttons,
    Forbidden,
    Migrated,
    SendError,
    SendResult,
)


@dataclass(frozen=True)
class FakeMessage:
    chat_id: int
    message_id: int
    kind: str  # "text" or "photo"
    text: str | None  # the text, or the photo's caption
    photo: str | None = None
    pinned: bool = False
    at: float = 0.0
    buttons: tuple[tuple[Button, ...], ...] = ()
    edits: int = 0  # times the text or caption was edited
    deleted: bool = False


class FakeSender:
    """Records every accepted message per chat, and what edits, deletes and unpins did to it;
    faults are scripted per chat.

    - `fail(chat_id, *errors, call=None)`: the next calls to that chat (only calls named `call`,
      e.g. "delete", if given) raise these, in order;
    - `kick(chat_id)`: every call raises Forbidden;
    - `migrate(chat_id, new_id)`: every call to the old id raises Migrated(new_id);
    - `before_send` / `after_send`: awaitable hooks run before each call and after it took
      effect (an `after_send` that never returns is a call done whose answer never arrives:
      what a crash leaves behind);
    - `latency`: seconds each call takes (through `sleep`, so a virtual clock works).

    Calls are named "text", "photo", "edit_text", "edit_caption", "delete" and "unpin";
    `calls` lists (chat id, call name) in order. Like Telegram, an edit to the same content
    is accepted (the adapter treats "message is not modified" as done) and a message edited,
    deleted or unpinned must exist (BadRequest "... not found" otherwise)."""

    def __init__(
        self,
        *,
        latency: float = 0.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] | None = None,
        pin_error: str | None = None,
    ) -> None:
        self.latency = latency
        self._sleep = sleep
        self._clock = clock
        self.pin_error = pin_error
        self.sent: dict[int, list[FakeMessage]] = {}
        self.calls: list[tuple[int, str]] = []
        self._faults: dict[tuple[int, str | None], list[SendError]] = {}
        self.kicked: set[int] = set()
        self.migrated: dict[int, int] = {}
        self.before_send: Callable[[int], Awaitable[None]] | None = None
        self.after_send: Callable[[int], Awaitable[None]] | None = None
        self.in_flight = 0
        self.max_in_flight = 0
        self._next_id = 1000

    # --- scripting ------------------------------------------------------------------------
    def fail(self, chat_id: int, *errors: SendError, call: str | None = None) -> None:
        self._faults.setdefault((chat_id, call), []).extend(errors)

    def kick(self, chat_id: int) -> None:
        self.kicked.add(chat_id)

    def migrate(self, chat_id: int, new_chat_id: int) -> None:
        self.migrated[chat_id] = new_chat_id

    # --- reading --------------------------------------------------------------------------
    def messages(self, chat_id: int) -> list[FakeMessage]:
        """The chat's messages as they stand now (deleted ones left out)."""
        return [m for m in self.sent.get(chat_id, []) if not m.deleted]

    def calls_named(self, call: str) -> list[int]:
        """The chat ids of every call of that name, in order."""
        return [chat for chat, name in self.calls if name == call]

    @property
    def total(self) -> int:
        return sum(len(m) for m in self.sent.values())

    # --- the Sender protocol --------------------------------------------------------------
    async def send_text(
        self, chat_id: int, text: str, *, pin: bool = False, buttons: Buttons = ()
    ) -> SendResult:
        return await self._send(chat_id, "text", text, None, pin, buttons)

    async def send_photo(
        self,
        chat_id: int,
        photo: str,
        *,
        caption: str | None = None,
        pin: bool = False,
        buttons: Buttons = (),
    ) -> SendResult:
        return await self._send(chat_id, "photo", caption, photo, pin, buttons)

    async def edit_text(
        self, chat_id: int, message_id: int, text: str, *, buttons: Buttons = ()
    ) -> None:
        async with self._call(chat_id, "edit_text"):
            self._change(chat_id, message_id, "text", text=text, buttons=_rows(buttons))

    async def edit_caption(
        self, chat_id: int, message_id: int, caption: str, *, buttons: Buttons = ()
    ) -> None:
        async with self._call(chat_id, "edit_caption"):
            self._change(chat_id, message_id, "photo", text=caption, buttons=_rows(buttons))

    async def delete_message(self, chat_id: int, message_id: int) -> None:
        async with self._call(chat_id, "delete"):
            self._change(chat_id, message_id, None, deleted=True)

    async def unpin(self, chat_id: int, message_id: int) -> None:
        async with self._call(chat_id, "unpin"):
            self._change(chat_id, message_id, None, pinned=False)

    async def _send(
        self,
        chat_id: int,
        kind: str,
        text: str | None,
        photo: str | None,
        pin: bool,
        buttons: Buttons,
    ) -> SendResult:
        async with self._call(chat_id, kind):
            self._next_id += 1
            at = self._clock() if self._clock is not None else 0.0
            pinned = pin and self.pin_error is None
            message = FakeMessage(
                chat_id, self._next_id, kind, text, photo, pinned, at, _rows(buttons)
            )
            self.sent.setdefault(chat_id, []).append(message)
            pin_error = self.pin_error if pin else None
            return SendResult(message.message_id, chat_id, pinned=pinned, pin_error=pin_error)

    @asynccontextmanager
    async def _call(self, chat_id: int, name: str) -> AsyncIterator[None]:
        """Record the call, run the hooks and the latency, raise a scripted fault if any."""
        self.calls.append((chat_id, name))
        if self.before_send is not None:
            await self.before_send(chat_id)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.latency:
                await self._sleep(self.latency)
            for key in ((chat_id, name), (chat_id, None)):
                queued = self._faults.get(key)
                if queued:
                    raise queued.pop(0)
            if chat_id in self.kicked:
                raise Forbidden("Forbidden: bot was kicked from the group chat")
            if chat_id in self.migrated:
                raise Migrated(self.migrated[chat_id])
            yield
            if self.after_send is not None:
                await self.after_send(chat_id)
        finally:
            self.in_flight -= 1

    def _change(self, chat_id: int, message_id: int, kind: str | None, **changes: Any) -> None:
        messages = self.sent.get(chat_id, [])
        for n, message in enumerate(messages):
            if message.message_id == message_id and not message.deleted:
                if kind is not None and message.kind != kind:
                    part = "text" if kind == "text" else "caption"
                    raise BadRequest(f"Bad Request: there is no {part} in the message to edit")
                if "text" in changes:
                    changes["edits"] = message.edits + 1
                messages[n] = replace(message, **changes)
                return
        what = "delete" if changes.get("deleted") else "unpin" if "pinned" in changes else "edit"
        raise BadRequest(f"Bad Request: message to {what} not found")


def _rows(buttons: Buttons) -> tuple[tuple[Button, ...], ...]:
    return tuple(tuple(row) for row in buttons)
