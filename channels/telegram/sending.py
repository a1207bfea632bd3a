"""The bot's send budget on its HTTP session.

The budget is one `RateLimiter` per bot (broadcasts/limiter.py), shared by the broadcast
engine and the outbox's courier: `attach_budget(bot, limiter)` installs `SendBudget` on the
bot's HTTP session, which tells the limiter when each request inside a slot leaves (its
windows start there). The courier takes an urgent slot per reply or notice, ahead of a
running broadcast.
"""

from __future__ import annotations

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType

from broadcasts.limiter import RateLimiter


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
