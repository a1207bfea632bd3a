"""One way to send a message from the bot: within the bot's send budget, waiting out flood
limits, never raising platform errors.

The budget is one `RateLimiter` per bot (broadcasts/limiter.py), shared with the broadcast
engine: `attach_budget(bot, limiter)` installs `SendBudget` on the bot's HTTP session, which
tells the limiter when each request inside a slot leaves (its windows start there), and
`send_text` takes an urgent slot per message, ahead of a running broadcast.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
)
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import Message

from broadcasts.limiter import RateLimiter

log = logging.getLogger("gridbot.send")

MAX_WAIT = 60.0  # longer floods are logged instead of holding the update up


class Refused(Exception):
    """The chat refused the bot (403): kicked, blocked, or never started."""


class SendBudget(BaseRequestMiddleware):
    """On the bot's session: marks the moment a request inside a limiter slot leaves."""

    def __init__(self, limiter: RateLimiter) -> None:
        self.limiter = limiter

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        await self.limiter.sending()
        return await make_request(bot, method)


def attach_budget(bot: Bot, limiter: RateLimiter) -> None:
    """Make `limiter` this bot's send budget (once per bot)."""
    if budget_of(bot) is not None:
        raise RuntimeError("this bot has a send budget already")
    bot.session.middleware(SendBudget(limiter))
    limiter.announce_requests()


def budget_of(bot: Bot) -> RateLimiter | None:
    for middleware in bot.session.middleware:
        if isinstance(middleware, SendBudget):
            return middleware.limiter
    return None


async def send_text(bot: Bot, chat_id: int, text: str, **kwargs: Any) -> Message | None:
    """Send, waiting out a 429 up to twice; a 403 raises Refused, other failures log and None."""
    budget = budget_of(bot)
    for attempt in range(3):
        try:
            async with budget.slot(chat_id, urgent=True) if budget else _no_slot():
                return await bot.send_message(chat_id, text, **kwargs)
        except TelegramRetryAfter as exc:
            if budget is not None:
                budget.pause(exc.retry_after)  # the broadcast engine holds back too
            if attempt == 2 or exc.retry_after > MAX_WAIT:
                log.warning(
                    "chat %s still flooded (retry after %ss); message dropped",
                    chat_id,
                    exc.retry_after,
                )
                return None
            if budget is None:
                await asyncio.sleep(exc.retry_after)
        except TelegramForbiddenError as exc:
            raise Refused(str(exc)) from exc
        except (TelegramAPIError, TelegramNetworkError) as exc:
            log.warning("could not send to chat %s: %s", chat_id, exc)
            return None
    return None


def _no_slot() -> contextlib.AbstractAsyncContextManager[None]:
    return contextlib.nullcontext()
