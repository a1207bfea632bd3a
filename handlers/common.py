"""Small helpers shared by handlers: send without letting a platform error undo the domain work."""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError
from aiogram.types import Message

log = logging.getLogger("gridbot.send")

GROUP_CHATS = frozenset({"group", "supergroup"})


async def send(bot: Bot, chat_id: int, text: str, **kwargs: Any) -> Message | None:
    """Send a message; a refusal from the platform is logged, never raised into the handler."""
    try:
        return await bot.send_message(chat_id, text, **kwargs)
    except (TelegramAPIError, TelegramNetworkError) as exc:
        log.warning("could not send to chat %s: %s", chat_id, exc)
        return None


async def reply(message: Message, text: str, **kwargs: Any) -> Message | None:
    if message.bot is None:
        raise RuntimeError("message is not bound to a bot")
    return await send(
        message.bot, message.chat.id, text, reply_to_message_id=message.message_id, **kwargs
    )
