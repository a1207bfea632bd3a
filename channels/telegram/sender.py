"""The broadcast engine's `Sender` for Telegram, over aiogram.

Texts go out as plain text (no parse mode, whatever the Bot's default is), so that whatever an
official typed arrives as typed and the engine's splitting (by UTF-16 length) is exact. A photo
is a Telegram file id, an http(s) URL, or a local path; a local file is uploaded once and its
file id reused for every other group. Pinning is a second call; if it fails (the bot is not an
admin there) the message still counts as delivered and the reason is reported. Buttons become
an inline keyboard with typed callback data (bot/callbacks.py). Edits, deletes and unpins map
errors the same way; an edit Telegram answers with "message is not modified" is done already.
"""

from __future__ import annotations

from pathlib import Path

from aiogram import Bot
from aiogram.methods.base import Response
from aiogram.types import FSInputFile, InlineKeyboardMarkup, Message

from channels.port import Buttons, SendResult
from channels.telegram.mapping import call_mapped, keyboard, map_error

__all__ = ["AiogramSender", "keyboard", "map_error"]


class AiogramSender:
    """Implements channels.port.Sender with an aiogram `Bot`."""

    def __init__(self, bot: Bot, *, disable_notification: bool = False) -> None:
        self.bot = bot
        self.disable_notification = disable_notification
        self._uploaded: dict[str, str] = {}  # local path -> Telegram file id
        # aiogram parses every answer as Response[T]; pydantic caches those generic classes
        # only weakly, so without a strong reference they are rebuilt (milliseconds each)
        # whenever the garbage collector has dropped them: at broadcast rates, a real cost.
        self._response_types = (Response[Message], Response[bool], Response[Message | bool])
        self._keyboards: dict[Buttons, InlineKeyboardMarkup | None] = {}

    def _keyboard(self, buttons: Buttons) -> InlineKeyboardMarkup | None:
        """Built once per broadcast: every copy carries the same buttons."""
        key = tuple(tuple(row) for row in buttons)
        if key not in self._keyboards:
            if len(self._keyboards) > 256:
                self._keyboards.clear()
            self._keyboards[key] = keyboard(key)
        return self._keyboards[key]

    async def send_text(
        self, chat_id: int, text: str, *, pin: bool = False, buttons: Buttons = ()
    ) -> SendResult:
        try:
            message = await self.bot.send_message(
                chat_id,
                text,
                parse_mode=None,
                reply_markup=self._keyboard(buttons),
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
        buttons: Buttons = (),
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
                reply_markup=self._keyboard(buttons),
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

    async def edit_text(
        self, chat_id: int, message_id: int, text: str, *, buttons: Buttons = ()
    ) -> None:
        await call_mapped(
            self.bot.edit_message_text(
                text=text,
                chat_id=chat_id,
                message_id=message_id,
                parse_mode=None,
                reply_markup=self._keyboard(buttons),
            ),
            edit=True,
        )

    async def edit_caption(
        self, chat_id: int, message_id: int, caption: str, *, buttons: Buttons = ()
    ) -> None:
        await call_mapped(
            self.bot.edit_message_caption(
                chat_id=chat_id,
                message_id=message_id,
                caption=caption,
                parse_mode=None,
                reply_markup=self._keyboard(buttons),
            ),
            edit=True,
        )

    async def delete_message(self, chat_id: int, message_id: int) -> None:
        await call_mapped(self.bot.delete_message(chat_id, message_id))

    async def unpin(self, chat_id: int, message_id: int) -> None:
        await call_mapped(self.bot.unpin_chat_message(chat_id, message_id=message_id))


def _is_local(photo: str) -> bool:
    if photo.startswith(("http://", "https://")):
        return False
    try:
        return Path(photo).is_file()
    except OSError:
        return False
