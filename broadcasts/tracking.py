"""The engine's books: live figures per running broadcast from committed outcomes, progress
reports at most every `interval` seconds, and the final write once a broadcast is done."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import case, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from broadcasts.counting import BROADCAST, Counts, delivery_counts, store_counts
from broadcasts.limiter import Monotonic
from broadcasts.outbox import Outcome, Row
from broadcasts.progress import Progress, ProgressHub, Tracker
from models.broadcasts import BroadcastStatus, DeliveryStatus

log = logging.getLogger("gridbot.broadcasts")


class Books:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        hub: ProgressHub,
        *,
        interval: float,
        now: Callable[[], datetime],
        monotonic: Monotonic,
        wake: Callable[[], None],
    ) -> None:
        self._factory = session_factory
        self.hub = hub
        self._interval = interval
        self._now = now
        self._monotonic = monotonic
        self._wake = wake  # the loop has a finished broadcast to write
        self.trackers: dict[int, Tracker] = {}
        self.finished: list[int] = []
        self._ready: list[int] = []  # finished broadcasts waiting for their final write
        self._pending: dict[int, Progress] = {}
        self._progress_wake = asyncio.Event()

    def open(self, broadcast_id: int, counts: Counts) -> Tracker:
        tracker = Tracker(
            broadcast_id=broadcast_id,
            total=counts.total,
            delivered=counts.delivered,
            failed=counts.failed,
            skipped=counts.skipped,
            possibly_duplicated=counts.possibly_duplicated,
            started=self._monotonic(),
        )
        self.trackers[broadcast_id] = tracker
        self.queue_progress(tracker, force=True)
        return tracker

    def committed(self, outcomes: list[Outcome], claimed: list[int]) -> None:
        """The writer committed these outcomes (and claims)."""
        touched: dict[int, Tracker] = {}
        for outcome in outcomes:
            tracker = self.trackers.get(outcome.row.broadcast_id)
            if tracker is None:
                continue
            if outcome.status is DeliveryStatus.delivered:
                tracker.delivered += 1
            elif outcome.status is DeliveryStatus.failed:
                tracker.failed += 1
            else:
                tracker.skipped += 1
            tracker.outstanding -= 1
            touched[tracker.broadcast_id] = tracker
        for tracker in touched.values():
            self.queue_progress(tracker)
            self.check_finished(tracker)

    def dropped(self, row: Row) -> None:
        """A row we handed out was no longer pending (cancelled): nothing to record."""
        tracker = self.trackers.get(row.broadcast_id)
        if tracker is not None:
            tracker.outstanding -= 1
            self.check_finished(tracker)

    def check_finished(self, tracker: Tracker) -> None:
        if tracker.exhausted and tracker.outstanding == 0:
            if tracker.broadcast_id not in self._ready:
                self._ready.append(tracker.broadcast_id)
            self._wake()

    async def finish_ready(
        self, reopen: Callable[[int], None], closed: Callable[[int], None]
    ) -> None:
        """Write the final figures of every finished broadcast (then `closed` it); `reopen` one
        whose rows went back to pending meanwhile (the feeder goes over it again)."""
        while self._ready:
            broadcast_id = self._ready.pop(0)
            tracker = self.trackers.get(broadcast_id)
            if tracker is None:
                continue
            async with self._factory() as session:
                counts = (await delivery_counts(session, [broadcast_id]))[broadcast_id]
                if counts.remaining:
                    tracker.exhausted = False
                    reopen(broadcast_id)
                    continue
                await store_counts(session, broadcast_id)
                status = case(
                    (BROADCAST.c.status == BroadcastStatus.cancelled.value, BROADCAST.c.status),
                    else_=BroadcastStatus.done.value,
                )
                await session.execute(
                    update(BROADCAST)
                    .where(BROADCAST.c.id == broadcast_id)
                    .values(status=status, finished_at=self._now())
                )
                await session.commit()
            self._close(tracker, counts)
            closed(broadcast_id)

    def _close(self, tracker: Tracker, counts: Counts) -> None:
        tracker.delivered, tracker.failed = counts.delivered, counts.failed
        tracker.skipped = counts.skipped
        tracker.possibly_duplicated = counts.possibly_duplicated
        del self.trackers[tracker.broadcast_id]
        self.finished.append(tracker.broadcast_id)
        self.queue_progress(tracker, final=True)
        log.info(
            "broadcast %d finished: %d delivered, %d failed, %d skipped",
            tracker.broadcast_id,
            counts.delivered,
            counts.failed,
            counts.skipped,
        )

    def clear(self) -> None:
        self.trackers.clear()

    # --- progress ---------------------------------------------------------------------------
    def queue_progress(self, tracker: Tracker, force: bool = False, final: bool = False) -> None:
        now = self._monotonic()
        if not (force or final) and now - tracker.last_emit < self._interval:
            return
        tracker.last_emit = now
        self._pending[tracker.broadcast_id] = tracker.snapshot(now, finished=final)
        self._progress_wake.set()

    def snapshot_running(self) -> None:
        """A last report for every broadcast still running (the loop is stopping)."""
        for broadcast_id, tracker in self.trackers.items():
            if broadcast_id not in self._pending:
                self._pending[broadcast_id] = tracker.snapshot(self._monotonic())

    async def emit_progress(self) -> None:
        while True:
            await self._progress_wake.wait()
            self._progress_wake.clear()
            await self.publish_pending()

    async def publish_pending(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, {}
            for progress in batch.values():
                try:
                    await self.hub.publish(progress)
                except Exception:
                    log.exception("a broadcast progress callback failed")
