"""Telegram's answers and buttons in the engine's terms: aiogram errors → channels/port.py
outcomes, engine `Button`s → an inline keyboard with typed callback data (bot/callbacks.py)."""

from __future__ import annotations

from collections.abc import Awaitable

from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from channels.port import (
    BadRequest,
    Button,
    Buttons,
    Forbidden,
    Migrated,
    RetryAfter,
    SendError,
    Transient,
)
from channels.telegram.callbacks import BroadcastRead, PollVote


def map_error(exc: BaseException) -> SendError:
    """The engine's outcome for an aiogram exception (or any other error while calling)."""
    if isinstance(exc, TelegramRetryAfter):
        return RetryAfter(exc.retry_after, exc.message)
    if isinstance(exc, TelegramMigrateToChat):
        return Migrated(exc.migrate_to_chat_id, exc.message)
    if isinstance(exc, TelegramForbiddenError):
        return Forbidden(exc.message)
    if isinstance(exc, TelegramEntityTooLarge):
        return BadRequest(exc.message)
    if isinstance(exc, TelegramServerError | TelegramNetworkError):
        return Transient(exc.message)
    if isinstance(exc, TelegramBadRequest | TelegramNotFound):
        return BadRequest(exc.message)
    if isinstance(exc, TelegramAPIError):
        return Transient(exc.message)
    if isinstance(exc, TimeoutError | OSError):
        return Transient(f"{type(exc).__name__}: {exc}")
    return Transient(repr(exc))


NOT_MODIFIED = "message is not modified"


def keyboard(buttons: Buttons) -> InlineKeyboardMarkup | None:
    """Rows of engine buttons as an inline keyboard (None for no buttons)."""
    if not buttons:
        return None
    rows = [[_button(b) for b in row] for row in buttons]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def _button(button: Button) -> InlineKeyboardButton:
    if button.action == "read":
        data = BroadcastRead(broadcast_id=button.broadcast_id).pack()
    else:
        data = PollVote(broadcast_id=button.broadcast_id, option=button.option).pack()
    return InlineKeyboardButton(text=button.label, callback_data=data)


async def call_mapped(call: Awaitable[object], *, edit: bool = False) -> None:
    """Await a Bot API call, with errors mapped; for an edit, "not modified" means done."""
    try:
        await call
    except TelegramBadRequest as exc:
        if not (edit and NOT_MODIFIED in exc.message):
            raise map_error(exc) from exc
    except Exception as exc:
        raise map_error(exc) from exc
