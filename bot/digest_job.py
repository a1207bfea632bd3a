"""Wiring for the daily digest: an APScheduler cron job in the district's time zone, and a
catch-up run at start (the digest of a day the bot was down at digest time goes out then)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import Clock
from core.config import Settings
from core.timezone import district_zone
from stats.digest import queue_digests

log = logging.getLogger("gridbot.digest")


class DigestJob:
    def __init__(
        self,
        factory: async_sessionmaker[AsyncSession],
        settings: Settings,
        clock: Clock,
        committed: Callable[[], None],
    ) -> None:
        self.factory, self.clock, self.committed = factory, clock, committed
        self.tz = district_zone(settings)
        self.at = settings.stats.digest_time

    def schedule(self, scheduler: AsyncIOScheduler) -> None:
        if not self.at:
            return
        hour, minute = (int(part) for part in self.at.split(":"))
        scheduler.add_job(
            self.catch_up,
            "cron",
            hour=hour,
            minute=minute,
            timezone=self.tz,
            id="digest",
            coalesce=True,
            misfire_grace_time=3600,
        )

    async def run(self) -> int:
        """Queue today's digest for whoever has not had it yet (nothing before the digest
        time); the courier sends it."""
        queued = await queue_digests(self.factory, self.clock.now(), self.tz, self.at)
        if queued:
            self.committed()
        return queued

    async def catch_up(self) -> None:
        try:
            await self.run()
        except Exception:
            log.exception("daily digest failed")
