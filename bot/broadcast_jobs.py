"""An APScheduler date job per scheduled broadcast, waking the engine at its time.

The engine also looks for due broadcasts on its own (every few seconds, and at the next due
time it knows of); the job makes the wake-up exact. Jobs live in memory: `restore()` re-creates
them from the database at startup, so a restart loses none. A job that comes due while the bot
is down fires as soon as it is back (no misfire grace limit)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from broadcasts.management import queued_scheduled

log = logging.getLogger("gridbot.broadcasts")


class ScheduledSends:
    def __init__(self, scheduler: AsyncIOScheduler, wake: Callable[[], None]) -> None:
        self._scheduler = scheduler
        self._wake = wake

    @staticmethod
    def job_id(broadcast_id: int) -> str:
        return f"broadcast-{broadcast_id}"

    def add(self, broadcast_id: int, at: datetime) -> None:
        self._scheduler.add_job(
            self._due,
            "date",
            run_date=at,
            args=[broadcast_id],
            id=self.job_id(broadcast_id),
            replace_existing=True,
            misfire_grace_time=None,
            coalesce=True,
        )

    def remove(self, broadcast_id: int) -> None:
        try:
            self._scheduler.remove_job(self.job_id(broadcast_id))
        except JobLookupError:
            pass  # already run, or never added here (scheduled from the command line)

    async def restore(self, factory: async_sessionmaker[AsyncSession]) -> int:
        """One job per queued scheduled broadcast in the database; returns how many."""
        async with factory() as session:
            waiting = await queued_scheduled(session, limit=10_000)
        for broadcast in waiting:
            if broadcast.id is not None and broadcast.scheduled_at is not None:
                self.add(broadcast.id, broadcast.scheduled_at)
        if waiting:
            log.info("%d scheduled broadcasts waiting", len(waiting))
        return len(waiting)

    async def _due(self, broadcast_id: int) -> None:
        log.info("scheduled broadcast %s is due: waking the engine", broadcast_id)
        self._wake()
