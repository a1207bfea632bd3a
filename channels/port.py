"""The engine's only view of the platform: a small `Sender` and the outcomes it may raise.

An adapter (channels/telegram/ for Telegram via aiogram) maps its platform's errors onto these:

- `RetryAfter(seconds)`: flood control (HTTP 429): that chat waits that long (the others go
  on), and the row is retried (a broadcast copy up to `max_flood_waits` times).
- `Forbidden(reason)`: bot kicked, group deleted (HTTP 403): group inactive, row failed.
- `Migrated(new_chat_id)`: the group became a supergroup (400 with migrate_to_chat_id): the
  same group record takes the new chat id, and the row is retried there.
- `Transient(reason)`: network error, timeout, 5xx: retried with bounded exponential backoff,
  then failed with the reason.
- `BadRequest(reason)`: any other refusal: failed, no retry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol


@dataclass(frozen=True)
class SendResult:
    """A message the platform accepted. `pin_error` is set when it was sent but not pinned."""

    message_id: int
    chat_id: int
    pinned: bool = False
    pin_error: str | None = None


@dataclass(frozen=True)
class Button:
    """An inline button under a broadcast copy; the adapter turns it into its platform's
    callback data (bot/callbacks.py for Telegram)."""

    label: str
    action: Literal["read", "vote"]
    broadcast_id: int
    option: int = 0  # the poll option for "vote"


Buttons = Sequence[Sequence[Button]]  # rows of buttons


class SendError(Exception):
    """Base of every outcome an adapter may raise instead of a `SendResult`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RetryAfter(SendError):
    def __init__(self, seconds: float, reason: str = "") -> None:
        super().__init__(reason or f"flood control: retry after {seconds:g} s")
        self.seconds = float(seconds)


class Forbidden(SendError):
    """The bot may not write there any more (kicked, group deleted, no rights)."""


class Migrated(SendError):
    def __init__(self, new_chat_id: int, reason: str = "") -> None:
        super().__init__(reason or f"group migrated to supergroup {new_chat_id}")
        self.new_chat_id = new_chat_id


class Transient(SendError):
    """Worth retrying later: network trouble, a timeout, a 5xx."""


class BadRequest(SendError):
    """The platform refused this message for good (chat not found, bad text, ...)."""


class Sender(Protocol):
    async def send_text(
        self, chat_id: int, text: str, *, pin: bool = False, buttons: Buttons = ()
    ) -> SendResult: ...

    async def send_photo(
        self,
        chat_id: int,
        photo: str,
        *,
        caption: str | None = None,
        pin: bool = False,
        buttons: Buttons = (),
    ) -> SendResult: ...

    async def edit_text(
        self, chat_id: int, message_id: int, text: str, *, buttons: Buttons = ()
    ) -> None:
        """Replace a sent text message's text (and its buttons)."""

    async def edit_caption(
        self, chat_id: int, message_id: int, caption: str, *, buttons: Buttons = ()
    ) -> None:
        """Replace a sent photo's caption (and its buttons)."""

    async def delete_message(self, chat_id: int, message_id: int) -> None: ...

    async def unpin(self, chat_id: int, message_id: int) -> None: ...


# Single messages (the outbox's courier, outbox/courier.py) speak to the same platform through
# a `MessageChannel`; an adapter states what its platform can do.


@dataclass(frozen=True)
class Capabilities:
    """What a platform allows: texts are cut or refused against these, limits set the budget."""

    max_text: int = 4096
    max_caption: int = 1024
    edits: bool = True
    pins: bool = True
    buttons: bool = True
    per_second: int = 30
    per_chat_per_minute: int = 20


@dataclass(frozen=True)
class OutButton:
    """A button under a single message: its label and an opaque payload the same platform's
    handlers understand (Telegram: packed typed callback data)."""

    text: str
    data: str


@dataclass(frozen=True)
class Outgoing:
    """One message for the channel to deliver: a text, a file, or an edit of a sent one."""

    kind: Literal["text", "photo", "document", "edit_text", "edit_buttons"]
    chat_id: int
    text: str | None = None
    html: bool = True
    buttons: tuple[tuple[OutButton, ...], ...] = ()
    reply_to: int | None = None
    message_id: int | None = None  # the message an edit is about
    file_name: str | None = None
    file_data: bytes | None = None


class MessageChannel(Protocol):
    """Delivers one `Outgoing`; returns the platform's message id (0 for edits),
    or raises one of the `SendError` outcomes above."""

    capabilities: Capabilities

    async def deliver(self, message: Outgoing) -> int: ...
