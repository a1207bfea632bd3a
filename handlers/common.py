"""Small helpers shared by handlers: send without letting a platform error undo the domain work."""

from __future__ import annotations

import logging
import re
from typing import Any

from aiogram import Bot
from aiogram.filters import CommandObject
from aiogram.types import Message

from channels.telegram.sending import Refused, send_text

log = logging.getLogger("gridbot.send")

GROUP_CHATS = frozenset({"group", "supergroup"})
TICKET_NUMBER = re.compile(r"^#?(\d{1,12})$")


def ticket_args(command: CommandObject, needs_text: bool) -> tuple[int, str] | None:
    """`/cmd N [text]` → (N, text); None when N is missing or the text is required but empty."""
    parts = (command.args or "").split(maxsplit=1)
    match = TICKET_NUMBER.match(parts[0]) if parts else None
    text = parts[1].strip() if len(parts) > 1 else ""
    if match is None or (needs_text and not text):
        return None
    return int(match.group(1)), text


async def send(bot: Bot, chat_id: int, text: str, **kwargs: Any) -> Message | None:
    """Send a message; a refusal from the platform is logged, never raised into the handler."""
    try:
        return await send_text(bot, chat_id, text, **kwargs)
    except Refused as exc:
        log.warning("chat %s refused a message: %s", chat_id, exc)
        return None


async def reply(message: Message, text: str, **kwargs: Any) -> Message | None:
    if message.bot is None:
        raise RuntimeError("message is not bound to a bot")
    return await send(
        message.bot, message.chat.id, text, reply_to_message_id=message.message_id, **kwargs
    )
