"""One way to send a message from the bot: wait out flood limits, never raise platform errors."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
)
from aiogram.types import Message

log = logging.getLogger("gridbot.send")

MAX_WAIT = 60.0  # longer floods are logged instead of holding the update up


class Refused(Exception):
    """The chat refused the bot (403): kicked, blocked, or never started."""


async def send_text(bot: Bot, chat_id: int, text: str, **kwargs: Any) -> Message | None:
    """Send, waiting out a 429 up to twice; a 403 raises Refused, other failures log and None."""
    for attempt in range(3):
        try:
            return await bot.send_message(chat_id, text, **kwargs)
        except TelegramRetryAfter as exc:
            if attempt == 2 or exc.retry_after > MAX_WAIT:
                log.warning(
                    "chat %s still flooded (retry after %ss); message dropped",
                    chat_id,
                    exc.retry_after,
                )
                return None
            await asyncio.sleep(exc.retry_after)
        except TelegramForbiddenError as exc:
            raise Refused(str(exc)) from exc
        except (TelegramAPIError, TelegramNetworkError) as exc:
            log.warning("could not send to chat %s: %s", chat_id, exc)
            return None
    return None
