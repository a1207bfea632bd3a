"""The broadcast engine: a pool of senders draining the outbox under the engine's own limits.

    engine = BroadcastEngine(session_factory, sender, EngineConfig(global_per_second=30))
    reports = await engine.run_until_idle()      # CLI / bench: send everything due, return
    await engine.serve(stop_event)               # bot: run forever; engine.notify() on news

One process runs one engine per database. On start the engine recovers from a crash (rows left
`sending` are flagged possibly duplicated and sent again), then repeatedly picks the most
urgent due broadcast and hands a batch of its rows to the senders (broadcasts/feeding.py, with
each row's steps from broadcasts/jobs.py).

Each sender, per row: take a rate-limit slot (broadcasts/limiter.py), claim the row (committed
`sending` before the call), call the platform, and hand the outcome to the writer, which
commits it with the next claims (broadcasts/outbox.py: group commits, so one transaction
serves many senders); broadcasts/delivery.py handles the platform's answers. A sender claims
its next row only after handing in its previous outcome, so at any moment at most `senders`
rows are `sending`: after kill -9 those are the possibly duplicated ones.

Progress goes to `on_progress` callbacks and `watch()` iterators at most every
`progress_interval` seconds per broadcast, and once more with the final figures
(broadcasts/tracking.py).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from broadcasts.delivery import Deliverer
from broadcasts.feeding import Feeder
from broadcasts.lifecycle import recover_in_flight
from broadcasts.limiter import Monotonic, RateLimiter, Sleep
from broadcasts.loop import run_loop
from broadcasts.progress import Progress, ProgressCallback, ProgressHub
from broadcasts.reporting import BroadcastReport, broadcast_report
from broadcasts.tracking import Books
from channels.port import Sender
from models.base import utcnow

log = logging.getLogger("gridbot.broadcasts")


@dataclass(frozen=True)
class EngineConfig:
    global_per_second: int = 30  # Telegram's default; up to 1000 with paid broadcasts
    per_chat_per_minute: int = 20
    senders: int = 16  # concurrent platform calls
    batch_size: int = 64  # rows read per query (also the preemption granularity)
    safety_margin: float = 0.005  # seconds added to every limiter window
    max_attempts: int = 5  # network errors / 5xx per row before it fails
    backoff_base: float = 1.0  # first retry after this, doubling each time ...
    backoff_cap: float = 30.0  # ... up to this
    max_flood_waits: int = 10  # 429s met by one row before it fails
    max_migrations: int = 3  # chat id changes followed for one row
    flood_extra: float = 0.1  # added to every retry_after
    progress_interval: float = 1.0  # seconds between progress reports per broadcast
    poll_interval: float = 5.0  # serve(): look for due scheduled broadcasts this often
    commit_linger: float = 0.005  # a claim waits up to this for other senders' claims
    outcome_delay: float = 0.05  # an outcome waits up to this to share a claim's commit


class BroadcastEngine:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        sender: Sender,
        config: EngineConfig | None = None,
        *,
        now: Callable[[], datetime] = utcnow,
        monotonic: Monotonic = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        on_progress: ProgressCallback | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        """`limiter`: a send budget shared with the bot's other sending (by default the
        engine's own, from `config`)."""
        self.config = cfg = config or EngineConfig()
        self.session_factory = session_factory
        self.now = now
        limiter = limiter or RateLimiter(
            cfg.global_per_second,
            cfg.per_chat_per_minute,
            margin=cfg.safety_margin,
            monotonic=monotonic,
            sleep=sleep,
        )
        self.progress = ProgressHub()
        if on_progress is not None:
            self.progress.subscribe(on_progress)
        self.wake = asyncio.Event()
        self.books = Books(
            session_factory,
            self.progress,
            interval=cfg.progress_interval,
            now=now,
            monotonic=monotonic,
            wake=self.wake.set,
        )
        self.feeder = Feeder(session_factory, self.books, cfg.batch_size, now)
        self.deliverer = Deliverer(session_factory, sender, limiter, cfg, now, sleep)
        self._recovered = False
        self._running = False
        self.recovered_in_flight: dict[int, int] = {}
        self.commits = 0  # outbox transactions so far (for benches)

    @property
    def limiter(self) -> RateLimiter:
        return self.deliverer.limiter

    @limiter.setter
    def limiter(self, limiter: RateLimiter) -> None:
        self.deliverer.limiter = limiter

    def notify(self) -> None:
        """A broadcast was created or cancelled: look at the outbox again now."""
        self.wake.set()

    def watch(self, broadcast_id: int) -> AsyncIterator[Progress]:
        """Progress of one broadcast, ending with its final figures (`finished=True`)."""
        return self.progress.watch(broadcast_id)

    async def recover(self) -> dict[int, int]:
        """Requeue rows a crashed process left `sending`; per broadcast how many (each counted
        as possibly duplicated). Done automatically before the first run."""
        async with self.session_factory() as session:
            found = await recover_in_flight(session)
            await session.commit()
        if found:
            log.warning(
                "recovered %d broadcast deliveries that were in flight at a crash "
                "(possibly duplicated): %s",
                sum(found.values()),
                found,
            )
        self._recovered = True
        self.recovered_in_flight = found
        return found

    async def run_until_idle(self) -> list[BroadcastReport]:
        """Send every due broadcast (including ones created meanwhile) and return their final
        reports, in the order they finished."""
        finished_before = len(self.books.finished)
        await self._run(stop=None)
        reports = []
        async with self.session_factory() as session:
            for broadcast_id in self.books.finished[finished_before:]:
                reports.append(await broadcast_report(session, broadcast_id))
        return reports

    async def serve(self, stop: asyncio.Event) -> None:
        """Run until `stop` is set, sending broadcasts as they become due."""
        await self._run(stop=stop)

    async def _run(self, stop: asyncio.Event | None) -> None:
        if self._running:
            raise RuntimeError("this engine is already running")
        self._running = True
        try:
            if not self._recovered:
                await self.recover()
            self.commits += await run_loop(self, stop)
        finally:
            self._running = False


async def run_broadcasts(
    session_factory: async_sessionmaker[AsyncSession],
    sender: Sender,
    config: EngineConfig | None = None,
    on_progress: Callable[[Progress], Awaitable[None] | None] | None = None,
) -> list[BroadcastReport]:
    """One-shot helper: recover, send everything due, return the reports."""
    engine = BroadcastEngine(session_factory, sender, config, on_progress=on_progress)
    return await engine.run_until_idle()
