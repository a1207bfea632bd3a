"""Store every update before acknowledging it, then process each exactly once by update_id."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterable
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.types import Update
from pydantic import ValidationError
from sqlalchemy import insert, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from core.clock import Clock
from core.db import session_scope
from core.transient import is_transient
from models.inbox import InboxStatus, InboxUpdate

log = logging.getLogger("gridbot.inbox")

# A transient failure (lost connection, deadlock, timeout) is met again after 0.2, 0.4, 0.8,
# 1.6 s: five attempts within about 3 s, then the update is parked as failed.
ATTEMPTS = 5
FIRST_DELAY = 0.2


class Inbox:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        dispatcher: Dispatcher,
        bot: Bot,
        clock: Clock,
        *,
        attempts: int = ATTEMPTS,
        first_delay: float = FIRST_DELAY,
    ) -> None:
        self._factory = session_factory
        self._dp = dispatcher
        self._bot = bot
        self._clock = clock
        self._attempts = attempts
        self._first_delay = first_delay

    async def store(self, raws: Iterable[Any]) -> int:
        """Write raw updates in one transaction; duplicates (same update_id) are ignored."""
        rows = [self._row(raw) for raw in raws]
        if not rows:
            return 0
        async with session_scope(self._factory) as session:
            dialect = session.get_bind().dialect.name
            if dialect == "postgresql":
                stmt: Any = pg_insert(InboxUpdate).on_conflict_do_nothing()
            elif dialect == "sqlite":
                stmt = sqlite_insert(InboxUpdate).on_conflict_do_nothing()
            else:
                stmt = insert(InboxUpdate)
            result = await session.execute(stmt, rows)
        return int(getattr(result, "rowcount", 0) or 0)

    def _row(self, raw: Any) -> dict[str, Any]:
        update_id = raw.get("update_id") if isinstance(raw, dict) else None
        valid_id = isinstance(update_id, int) and not isinstance(update_id, bool)
        payload = raw if isinstance(raw, str) else json.dumps(raw, ensure_ascii=False)
        if not valid_id:
            log.warning(
                "malformed update without a valid update_id kept in inbox: %.200s", payload
            )
        return {
            "update_id": update_id if valid_id else None,
            "payload": payload,
            "status": InboxStatus.pending if valid_id else InboxStatus.malformed,
            "received_at": self._clock.now(),
        }

    async def process_pending(self) -> int:
        """Process every pending update in update_id order; returns how many were handled."""
        async with self._factory() as session:
            result = await session.execute(
                select(InboxUpdate.id, InboxUpdate.update_id, InboxUpdate.payload)
                .where(InboxUpdate.status == InboxStatus.pending)
                .order_by(col(InboxUpdate.update_id))
            )
            pending = result.all()
        for inbox_id, update_id, payload in pending:
            await self._process_one(inbox_id, update_id, payload)
        return len(pending)

    async def _process_one(self, inbox_id: int, update_id: int, payload: str) -> None:
        try:
            update_obj = Update.model_validate(json.loads(payload), context={"bot": self._bot})
        except (ValidationError, ValueError) as exc:
            log.warning("malformed update %s skipped: %s", update_id, _first_line(exc))
            await self._finish(inbox_id, InboxStatus.malformed, _first_line(exc))
            return
        delay = self._first_delay
        for attempt in range(1, self._attempts + 1):
            last = attempt == self._attempts
            try:
                await self._dp.feed_update(
                    self._bot, update_obj, inbox_id=inbox_id, last_attempt=last
                )
                return
            except Exception as exc:
                if is_transient(exc) and not last:
                    log.warning(
                        "update %s met a transient failure (%s); attempt %d of %d in %.1fs",
                        update_id,
                        _first_line(exc),
                        attempt + 1,
                        self._attempts,
                        delay,
                    )
                    await asyncio.sleep(delay)
                    delay *= 2
                    continue
                await self._park(inbox_id, update_id, exc, attempt)
                return

    async def _park(self, inbox_id: int, update_id: int, exc: Exception, attempts: int) -> None:
        """Keep the update as failed; nothing it would have sent was committed, so none goes."""
        reason = f"{type(exc).__name__}: {_first_line(exc)}"
        if is_transient(exc):
            log.error("update %s failed after %d attempts: %s", update_id, attempts, reason)
        else:
            log.exception("update %s failed; kept in the inbox as failed", update_id)
        await self._finish(inbox_id, InboxStatus.failed, reason)

    async def _finish(self, inbox_id: int, status: InboxStatus, error: str | None) -> None:
        async with session_scope(self._factory) as session:
            await mark(session, inbox_id, status, self._clock, error)


async def mark(
    session: AsyncSession,
    inbox_id: int,
    status: InboxStatus,
    clock: Clock,
    error: str | None = None,
) -> None:
    """Set the row's outcome; the success case runs inside the handler's own transaction."""
    await session.execute(
        update(InboxUpdate)
        .where(col(InboxUpdate.id) == inbox_id)
        .values(status=status, processed_at=clock.now(), error=error)
    )


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
