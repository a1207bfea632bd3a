"""The courier's `MessageChannel` for Telegram: one outbox row → one Bot API call."""

from __future__ import annotations

from aiogram import Bot
from aiogram.enums import ParseMode
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
)

from channels.port import Capabilities, OutButton, Outgoing
from channels.telegram.mapping import call_mapped, map_error

TELEGRAM = Capabilities(
    max_text=4096,
    max_caption=1024,
    edits=True,
    pins=True,
    buttons=True,
    per_second=30,
    per_chat_per_minute=20,
)


def markup(rows: tuple[tuple[OutButton, ...], ...]) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=b.text, callback_data=b.data) for b in row] for row in rows
        ]
    )


class TelegramChannel:
    capabilities = TELEGRAM

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def deliver(self, message: Outgoing) -> int:
        mode = ParseMode.HTML if message.html else None
        keyboard = markup(message.buttons)
        if message.kind == "edit_text":
            await call_mapped(
                self.bot.edit_message_text(
                    text=message.text or "",
                    chat_id=message.chat_id,
                    message_id=message.message_id,
                    parse_mode=mode,
                    reply_markup=keyboard,
                ),
                edit=True,
            )
            return 0
        if message.kind == "edit_buttons":
            await call_mapped(
                self.bot.edit_message_reply_markup(
                    chat_id=message.chat_id,
                    message_id=message.message_id,
                    reply_markup=keyboard,
                ),
                edit=True,
            )
            return 0
        reply = (
            ReplyParameters(message_id=message.reply_to, allow_sending_without_reply=True)
            if message.reply_to
            else None
        )
        try:
            sent = await self._send(message, mode, keyboard, reply)
        except Exception as exc:
            raise map_error(exc) from exc
        return sent.message_id

    async def _send(
        self,
        message: Outgoing,
        mode: ParseMode | None,
        keyboard: InlineKeyboardMarkup | None,
        reply: ReplyParameters | None,
    ) -> Message:
        if message.kind == "text":
            return await self.bot.send_message(
                message.chat_id,
                message.text or "",
                parse_mode=mode,
                reply_markup=keyboard,
                reply_parameters=reply,
            )
        upload = BufferedInputFile(message.file_data or b"", message.file_name or "file")
        send_file = self.bot.send_photo if message.kind == "photo" else self.bot.send_document
        return await send_file(
            message.chat_id,
            upload,
            caption=message.text,
            parse_mode=mode,
            reply_markup=keyboard,
            reply_parameters=reply,
        )


def buttons_of(keyboard: InlineKeyboardMarkup | None) -> tuple[tuple[OutButton, ...], ...]:
    """An inline keyboard built with typed callback data, as the outbox stores it."""
    if keyboard is None:
        return ()
    return tuple(
        tuple(OutButton(b.text, b.callback_data or "") for b in row)
        for row in keyboard.inline_keyboard
    )
