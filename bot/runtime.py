"""One running bot: database, aiogram objects, inbox, and the polling or webhook loop."""

from __future__ import annotations

import asyncio
import logging
import secrets

from aiogram import Bot, Dispatcher
from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import allowed_updates, build_bot, build_budget, build_dispatcher
from bot.broadcast_jobs import ScheduledSends
from bot.console_hooks import BotBroadcastHooks
from bot.digest_job import DigestJob
from bot.inbox import Inbox
from bot.policy import ticket_policy
from bot.polling import poll
from bot.webhook import WebhookReceiver, webhook_app
from broadcasts import BroadcastEngine, EngineConfig
from broadcasts.progress_messages import ProgressEdits
from channels.telegram.channel import TelegramChannel
from channels.telegram.sender import AiogramSender
from core.clock import Clock
from core.config import Settings
from core.db import check_schema, make_engine, make_session_factory
from core.timezone import district_zone
from core.transient import is_transient
from handlers.headcount_messages import deliver_headcount
from handlers.notices import Notifier
from models.broadcast_totals import count_finished_broadcasts
from outbox.courier import Courier
from tickets.delivery import TicketHooks
from tickets.escalation import sweep
from tickets.reviews import sweep_reviews

log = logging.getLogger("gridbot.runtime")


class BotRuntime:
    """Start with `start_polling()` or `start_webhook()`, end with `stop()`; restartable."""

    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock = clock or Clock()
        self.engine: AsyncEngine = make_engine(settings.database.url)
        self.session_factory = make_session_factory(self.engine)
        self.budget = build_budget(settings)  # one send budget: broadcasts and notices
        self.bot: Bot = build_bot(settings, self.budget)
        self.policy = ticket_policy(settings.tickets)
        self.notifier = Notifier(self.session_factory, district_zone(settings))
        self.scheduler = AsyncIOScheduler(timezone="UTC")
        conf = settings.broadcasts
        self.broadcasts = BroadcastEngine(
            self.session_factory,
            AiogramSender(self.bot),
            EngineConfig(
                global_per_second=conf.global_per_second,
                per_chat_per_minute=conf.per_chat_per_minute,
                senders=conf.senders,
            ),
            now=self.clock.now,
            limiter=self.budget,
        )
        # One way out: every single message is an outbox row, sent after its commit by this.
        self.courier = Courier(
            self.session_factory,
            TelegramChannel(self.bot),
            now=Clock().now,  # retry delays are wall-clock waits, whatever the domain's clock
            limiter=self.budget,
            hooks=TicketHooks(),
        )
        self.broadcasts.progress.subscribe(ProgressEdits(self.session_factory, self.courier.wake))
        self.dp: Dispatcher = build_dispatcher(
            settings,
            self.session_factory,
            self.clock,
            self.notifier,
            self.broadcasts,
            self.courier,
        )
        self.inbox = Inbox(self.session_factory, self.dp, self.bot, self.clock)
        # Scheduled broadcasts: a date job each (bot/broadcast_jobs.py); handlers add them.
        self.scheduled_sends = ScheduledSends(self.scheduler, self.broadcasts.notify)
        self.dp["scheduled_sends"] = self.scheduled_sends
        self.digest = DigestJob(self.session_factory, settings, self.clock, self.courier.wake)
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._site_runner: web.AppRunner | None = None
        self.webhook_secret = ""

    def console_hooks(self) -> BotBroadcastHooks:
        """What the web console's 群发 desk tells this process after its commits."""
        return BotBroadcastHooks(self.broadcasts.notify, self.scheduled_sends)

    async def _prepare(self) -> None:
        await check_schema(self.engine)
        me = await self.bot.me()
        log.info(
            "bot @%s (id %s) ready on %s", me.username, me.id, self.settings.telegram.api_base
        )
        await self.dp.emit_startup(bot=self.bot)
        self.scheduler.add_job(
            self.sweep_once,
            "interval",
            seconds=self.settings.tickets.sweep_seconds,
            id="sweep",
            max_instances=1,
            coalesce=True,
        )
        await self.scheduled_sends.restore(self.session_factory)
        self.scheduled_sends.keep_in_sync(self.session_factory)
        self.digest.schedule(self.scheduler)  # daily at [stats] digest_time
        self.scheduler.start()
        self._tasks.append(asyncio.create_task(self._serve_broadcasts(), name="broadcasts"))
        self._tasks.append(asyncio.create_task(self._serve_courier(), name="courier"))
        self._tasks.append(asyncio.create_task(self.digest.catch_up(), name="digest"))

    async def _serve_broadcasts(self) -> None:
        """Drain the outbox until stopped; a crash of the loop is logged and the loop restarted."""
        while not self._stop.is_set():
            try:
                await self.broadcasts.serve(self._stop)
            except Exception as exc:
                await _restart_after(exc, "broadcast engine", 5.0)

    async def _serve_courier(self) -> None:
        """Deliver the outbox until stopped; a crash of the loop is logged and it restarts."""
        while not self._stop.is_set():
            try:
                await self.courier.serve(self._stop)
            except Exception as exc:
                await _restart_after(exc, "courier", 1.0)

    async def digest_once(self) -> int:
        """Today's digest to whoever has not had it (the cron job and the start call this)."""
        return await self.digest.run()

    async def sweep_once(self) -> int:
        """Escalate overdue tickets and close unrated ones; deadlines live in the database."""
        now = self.clock.now()
        notices = await sweep(self.session_factory, now, self.policy)
        await self.notifier.publish(notices, now)  # its own transaction, then sent
        # Unanswered reviews climb like unclaimed tickets; each move and its notices commit
        # together.
        moved = await sweep_reviews(self.session_factory, now, self.policy, self.notifier.publish)
        self.courier.wake()
        tz = district_zone(self.settings)  # headcount prompts, reminders, summaries
        await deliver_headcount(self.session_factory, now, tz)
        self.courier.wake()
        await self._count_broadcasts()
        return len(notices) + moved

    async def _count_broadcasts(self) -> None:
        """Finished broadcasts into the statistics' totals (models/broadcast_totals.py)."""
        try:
            async with self.session_factory() as session, session.begin():
                await count_finished_broadcasts(session)
        except IntegrityError:
            log.info("broadcast totals: another process counted them first")

    async def start_polling(self) -> None:
        await self._prepare()
        await self.bot.delete_webhook(drop_pending_updates=False)
        timeout = self.settings.telegram.polling_timeout
        loop = poll(self.bot, self.inbox, allowed_updates(self.dp), timeout, self._stop)
        self._tasks.append(asyncio.create_task(loop, name="polling"))

    async def start_webhook(self) -> str:
        """Serve the webhook and register it; returns the URL Telegram will call."""
        await self._prepare()
        tg = self.settings.telegram
        given = tg.webhook_secret.get_secret_value() if tg.webhook_secret else ""
        self.webhook_secret = given or secrets.token_urlsafe(32)
        receiver = WebhookReceiver(self.inbox, self.webhook_secret)
        self._site_runner = web.AppRunner(webhook_app(receiver, tg.webhook_path))
        await self._site_runner.setup()
        site = web.TCPSite(self._site_runner, tg.webhook_host, tg.webhook_port)
        await site.start()
        port = self._site_runner.addresses[0][1]
        url = tg.webhook_url or f"http://{tg.webhook_host}:{port}{tg.webhook_path}"
        self._tasks.append(asyncio.create_task(receiver.process_forever(self._stop)))
        await self.bot.set_webhook(
            url, secret_token=self.webhook_secret, allowed_updates=allowed_updates(self.dp)
        )
        log.info("webhook listening on %s:%s%s", tg.webhook_host, port, tg.webhook_path)
        return url

    async def wait(self) -> None:
        await asyncio.gather(*self._tasks)

    async def stop(self) -> None:
        self._stop.set()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        # A long poll may sit in getUpdates; cancelling it is safe since nothing unstored
        # was acknowledged and an interrupted update stays pending in the inbox.
        _done, running = await asyncio.wait(self._tasks, timeout=2.0) if self._tasks else ((), ())
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        self._tasks.clear()
        if self._site_runner is not None:
            await self._site_runner.cleanup()
        await self.dp.emit_shutdown(bot=self.bot)
        await self.bot.session.close()
        await self.engine.dispose()


async def _restart_after(exc: Exception, loop: str, pause: float) -> None:
    """A loop that met a lost database connection restarts at once, with one log line; any
    other failure is logged with its traceback and the loop restarts after `pause`."""
    if is_transient(exc):
        log.warning("%s met a transient failure (%s); restarting", loop, _first_line(exc))
        await asyncio.sleep(0.5)
        return
    log.exception("%s stopped unexpectedly; restarting in %.0f s", loop, pause)
    await asyncio.sleep(pause)


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0]
