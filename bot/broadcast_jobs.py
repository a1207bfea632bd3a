"""An APScheduler date job per scheduled broadcast, waking the engine at its time.

The engine also looks for due broadcasts on its own (every few seconds, and at the next due
time it knows of); the job makes the wake-up exact. Jobs live in memory: `restore()` brings
them in line with the database, at startup (so a restart loses none) and every
`SYNC_SECONDS` while the bot runs, so that a broadcast scheduled or cancelled from the command
line (another process) gets or loses its job too. A job that comes due while the bot is down
fires as soon as it is back (no misfire grace limit)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from broadcasts.management import queued_scheduled

log = logging.getLogger("gridbot.broadcasts")

JOB_PREFIX = "broadcast-"
SYNC_SECONDS = 60


class ScheduledSends:
    def __init__(self, scheduler: AsyncIOScheduler, wake: Callable[[], None]) -> None:
        self._scheduler = scheduler
        self._wake = wake

    @staticmethod
    def job_id(broadcast_id: int) -> str:
        return f"{JOB_PREFIX}{broadcast_id}"

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
        """One job per queued scheduled broadcast in the database and none for any other;
        returns how many jobs were added."""
        async with factory() as session:
            waiting = await queued_scheduled(session, limit=10_000)
        wanted = {
            self.job_id(b.id): (b.id, b.scheduled_at)
            for b in waiting
            if b.id is not None and b.scheduled_at is not None
        }
        for job in self._scheduler.get_jobs():
            if job.id.startswith(JOB_PREFIX) and job.id not in wanted:
                self._scheduler.remove_job(job.id)  # cancelled, or started, elsewhere
        added = 0
        for job_id, (broadcast_id, at) in wanted.items():
            if self._scheduler.get_job(job_id) is None:
                self.add(broadcast_id, at)
                added += 1
        if added:
            log.info("%d scheduled broadcasts waiting (%d new)", len(wanted), added)
        return added

    def keep_in_sync(self, factory: async_sessionmaker[AsyncSession]) -> None:
        """Run `restore` every SYNC_SECONDS (broadcasts scheduled by another process)."""
        self._scheduler.add_job(
            self.restore,
            "interval",
            seconds=SYNC_SECONDS,
            args=[factory],
            id="sync-scheduled-broadcasts",  # not JOB_PREFIX: restore keeps it
            max_instances=1,
            coalesce=True,
            replace_existing=True,
        )

    async def _due(self, broadcast_id: int) -> None:
        log.info("scheduled broadcast %s is due: waking the engine", broadcast_id)
        self._wake()
