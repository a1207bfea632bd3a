"""Wiring for the daily digest: an APScheduler cron job in the district's time zone, and a
catch-up run at start (the digest of a day the bot was down at digest time goes out then)."""

from __future__ import annotations

import logging

from aiogram import Bot
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from channels.telegram.sending import Refused, send_text
from core.clock import Clock
from core.config import Settings
from core.timezone import district_zone
from stats.digest import send_digests

log = logging.getLogger("gridbot.digest")


class DigestJob:
    def __init__(
        self,
        factory: async_sessionmaker[AsyncSession],
        bot: Bot,
        settings: Settings,
        clock: Clock,
    ) -> None:
        self.factory, self.bot, self.clock = factory, bot, clock
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
        """Send today's digest to whoever has not had it yet (nothing before the digest time)."""
        return await send_digests(self.factory, self.clock.now(), self.tz, self.at, self._send)

    async def catch_up(self) -> None:
        try:
            await self.run()
        except Exception:
            log.exception("daily digest failed")

    async def _send(self, chat_id: int, text: str) -> bool:
        try:
            return await send_text(self.bot, chat_id, text) is not None
        except Refused as exc:  # blocked or never started: nothing to retry today
            log.warning("digest refused by chat %s: %s", chat_id, exc)
            return True
