"""The broadcast engine's `Sender` for Telegram, over aiogram.

Texts go out as plain text (no parse mode, whatever the Bot's default is), so that whatever an
official typed arrives as typed and the engine's splitting (by UTF-16 length) is exact. A photo
is a Telegram file id, an http(s) URL, or a local path; a local file is uploaded once and its
file id reused for every other group. Pinning is a second call; if it fails (the bot is not an
admin there) the message still counts as delivered and the reason is reported.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiogram import Bot
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
from aiogram.methods.base import Response
from aiogram.types import FSInputFile, Message

from broadcasts.sender import (
    BadRequest,
    Forbidden,
    Migrated,
    RetryAfter,
    SendError,
    SendResult,
    Transient,
)


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


class AiogramSender:
    """Implements broadcasts.sender.Sender with an aiogram `Bot`."""

    def __init__(self, bot: Bot, *, disable_notification: bool = False) -> None:
        self.bot = bot
        self.disable_notification = disable_notification
        self._uploaded: dict[str, str] = {}  # local path -> Telegram file id
        # aiogram parses every answer as Response[T]; pydantic caches those generic classes
        # only weakly, so without a strong reference they are rebuilt (milliseconds each)
        # whenever the garbage collector has dropped them: at broadcast rates, a real cost.
        self._response_types = (Response[Message], Response[bool])

    async def send_text(
        self, chat_id: int, text: str, *, pin: bool = False, reply_markup: Any = None
    ) -> SendResult:
        try:
            message = await self.bot.send_message(
                chat_id,
                text,
                parse_mode=None,
                reply_markup=reply_markup,
                disable_notification=self.disable_notification,
            )
        except Exception as exc:
            raise map_error(exc) from exc
        return await self._finish(message, pin)

    async def send_photo(
        self,
        chat_id: int,
        photo: str,
        *,
        caption: str | None = None,
        pin: bool = False,
        reply_markup: Any = None,
    ) -> SendResult:
        uploaded = self._uploaded.get(photo)
        source: str | FSInputFile = uploaded or photo
        if uploaded is None and _is_local(photo):
            source = FSInputFile(photo)
        try:
            message = await self.bot.send_photo(
                chat_id,
                source,
                caption=caption,
                parse_mode=None,
                reply_markup=reply_markup,
                disable_notification=self.disable_notification,
            )
        except Exception as exc:
            raise map_error(exc) from exc
        if isinstance(source, FSInputFile) and message.photo:
            self._uploaded[photo] = message.photo[-1].file_id
        return await self._finish(message, pin)

    async def _finish(self, message: Message, pin: bool) -> SendResult:
        chat_id = message.chat.id
        if not pin:
            return SendResult(message.message_id, chat_id)
        try:
            await self.bot.pin_chat_message(
                chat_id, message.message_id, disable_notification=self.disable_notification
            )
        except Exception as exc:
            return SendResult(message.message_id, chat_id, pin_error=map_error(exc).reason)
        return SendResult(message.message_id, chat_id, pinned=True)


def _is_local(photo: str) -> bool:
    if photo.startswith(("http://", "https://")):
        return False
    try:
        return Path(photo).is_file()
    except OSError:
        return False
