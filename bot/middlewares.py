"""Outer middleware: one database session per update, committed with the inbox mark."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.db import session_scope
from bot.inbox import mark
from models.inbox import InboxStatus

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class DbSessionMiddleware(BaseMiddleware):
    def __init__(self, session_factory: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._factory = session_factory
        self._clock = clock

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        async with session_scope(self._factory) as session:
            data["session"] = session
            result = await handler(event, data)
            inbox_id = data.get("inbox_id")
            if inbox_id is not None:
                await mark(session, inbox_id, InboxStatus.done, self._clock)
            return result
