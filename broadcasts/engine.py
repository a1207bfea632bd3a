"""The broadcast engine: a pool of senders draining the outbox under the engine's own limits.

    engine = BroadcastEngine(session_factory, sender, EngineConfig(global_per_second=30))
    reports = await engine.run_until_idle()      # CLI / bench: send everything due, return
    await engine.serve(stop_event)               # bot: run forever; engine.notify() on news

One process runs one engine per database. On start the engine recovers from a crash (rows left
`sending` are flagged possibly duplicated and sent again), then repeatedly picks the most
urgent due broadcast (urgent before normal, then oldest), reads a batch of its pending rows and
hands them to the senders. Picking again after every batch lets an urgent alert overtake an
ordinary broadcast already under way (after at most one batch plus the senders' queue).

Each sender, per row: take a rate-limit slot (broadcasts/limiter.py), claim the row (committed
`sending` before the call), call the platform, and hand the outcome to the writer, which
commits it with the next claims (broadcasts/outbox.py: group commits, so one transaction
serves many senders). A sender claims its next row only after handing in its previous
outcome, so at any moment at most `senders` rows are `sending`: after kill -9 those are the
possibly duplicated ones. The platform's answers are handled as broadcasts/sender.py says.

Progress goes to `on_progress` callbacks and `watch()` iterators at most every
`progress_interval` seconds per broadcast, and once more with the final figures.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from broadcasts.limiter import Monotonic, RateLimiter, Sleep
from broadcasts.outbox import OutboxWriter, Outcome, Row, fetch_pending
from broadcasts.progress import Progress, ProgressCallback, ProgressHub, Tracker
from broadcasts.sender import (
    BadRequest,
    Forbidden,
    Migrated,
    RetryAfter,
    Sender,
    SendError,
    SendResult,
    Transient,
)
from broadcasts.service import (
    BROADCAST,
    INACTIVE_REASON,
    BroadcastReport,
    broadcast_report,
    delivery_counts,
    recover_in_flight,
    store_counts,
)
from broadcasts.split import plan_messages
from models.base import utcnow
from models.broadcasts import Broadcast, BroadcastPriority, BroadcastStatus, DeliveryStatus
from models.group_service import follow_migration
from models.groups import Group

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


@dataclass(frozen=True)
class _Content:
    photo: str | None
    caption: str | None
    texts: tuple[str, ...]
    pin: bool

    @property
    def parts(self) -> int:
        return (1 if self.photo else 0) + len(self.texts)


@dataclass(frozen=True)
class _Due:
    id: int
    status: BroadcastStatus
    priority: BroadcastPriority


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
    ) -> None:
        self.config = config or EngineConfig()
        self._factory = session_factory
        self._sender = sender
        self._now = now
        self._monotonic = monotonic
        self._sleep = sleep
        self.limiter = RateLimiter(
            self.config.global_per_second,
            self.config.per_chat_per_minute,
            margin=self.config.safety_margin,
            monotonic=monotonic,
            sleep=sleep,
        )
        self.progress = ProgressHub()
        if on_progress is not None:
            self.progress.subscribe(on_progress)
        self._trackers: dict[int, Tracker] = {}
        self._cursors: dict[int, int] = {}
        self._contents: dict[int, _Content] = {}
        self._finished: list[int] = []
        self._ready: list[int] = []  # finished broadcasts waiting for their final write
        self._recovered = False
        self._wake = asyncio.Event()
        self._pending_progress: dict[int, Progress] = {}
        self._progress_wake = asyncio.Event()
        self._running = False
        self.recovered_in_flight: dict[int, int] = {}
        self.commits = 0  # outbox transactions so far (for benches)
        self._taken = asyncio.Event()  # a sender took a row from the queue
        self._crash = asyncio.Event()  # the writer or a sender died
        self._watched: list[asyncio.Task[None]] = []

    # --- public -----------------------------------------------------------------------------
    def notify(self) -> None:
        """A broadcast was created or cancelled: look at the outbox again now."""
        self._wake.set()

    def watch(self, broadcast_id: int) -> AsyncIterator[Progress]:
        """Progress of one broadcast, ending with its final figures (`finished=True`)."""
        return self.progress.watch(broadcast_id)

    async def recover(self) -> dict[int, int]:
        """Requeue rows a crashed process left `sending`; per broadcast how many (each counted
        as possibly duplicated). Done automatically before the first run."""
        async with self._factory() as session:
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
        finished_before = len(self._finished)
        await self._run(stop=None)
        reports = []
        async with self._factory() as session:
            for broadcast_id in self._finished[finished_before:]:
                reports.append(await broadcast_report(session, broadcast_id))
        return reports

    async def serve(self, stop: asyncio.Event) -> None:
        """Run until `stop` is set, sending broadcasts as they become due."""
        await self._run(stop=stop)

    # --- the loop ---------------------------------------------------------------------------
    async def _run(self, stop: asyncio.Event | None) -> None:
        if self._running:
            raise RuntimeError("this engine is already running")
        self._running = True
        try:
            if not self._recovered:
                await self.recover()
            await self._loop(stop)
        finally:
            self._running = False

    async def _loop(self, stop: asyncio.Event | None) -> None:
        # Unbounded, but the feeder tops it up only while it holds fewer rows than senders.
        queue: asyncio.Queue[Row] = asyncio.Queue()
        self._taken = asyncio.Event()
        self._crash = asyncio.Event()
        writer = OutboxWriter(
            self._factory,
            self._now,
            self._committed,
            linger=self.config.commit_linger,
            batch_target=max(1, self.config.senders // 2),
            outcome_delay=self.config.outcome_delay,
        )
        writer_task = asyncio.create_task(writer.run(), name="broadcast-writer")
        progress_task = asyncio.create_task(self._emit_progress(), name="broadcast-progress")
        workers = [
            asyncio.create_task(self._worker(queue, writer), name=f"broadcast-sender-{n}")
            for n in range(self.config.senders)
        ]
        self._watched = [writer_task, *workers]
        for task in self._watched:
            task.add_done_callback(self._on_task_done)
        try:
            while stop is None or not stop.is_set():
                self._raise_if_crashed()
                await self._finish_ready()
                while queue.qsize() >= self.config.senders:
                    self._taken.clear()
                    await self._unless_crashed(self._taken.wait())
                self._wake.clear()  # a notify() from now on is seen by _idle()
                if await self._feed(queue):
                    continue
                if stop is None:
                    await self._unless_crashed(queue.join())
                    await writer.flush()
                    await self._finish_ready()
                    if not await self._anything_to_feed():
                        break
                    continue
                await self._idle(stop)
            await self._unless_crashed(queue.join())
            await writer.flush()
            await self._finish_ready()
        finally:
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            writer.close()
            with contextlib.suppress(Exception):
                await writer_task
            self.commits += writer.commits
            self._pending_progress_flush()
            progress_task.cancel()
            await asyncio.gather(progress_task, return_exceptions=True)
            await self._publish_pending()
            self._trackers.clear()
            self._cursors.clear()
            self._contents.clear()

    def _on_task_done(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            self._crash.set()

    def _raise_if_crashed(self) -> None:
        for task in self._watched:
            if task.done() and not task.cancelled() and task.exception() is not None:
                raise RuntimeError("broadcast engine task failed") from task.exception()

    async def _unless_crashed(self, awaitable: Awaitable[Any]) -> None:
        """Await, but raise at once if the writer or a sender died."""
        self._raise_if_crashed()
        waiting = asyncio.ensure_future(awaitable)
        crashed = asyncio.create_task(self._crash.wait())
        try:
            await asyncio.wait([waiting, crashed], return_when=asyncio.FIRST_COMPLETED)
        finally:
            crashed.cancel()
            if not waiting.done():
                waiting.cancel()
        self._raise_if_crashed()

    async def _idle(self, stop: asyncio.Event) -> None:
        timeout = self.config.poll_interval
        next_due = await self._next_scheduled()
        if next_due is not None:
            timeout = min(timeout, max(0.0, (next_due - self._now()).total_seconds()))
        waits = [asyncio.create_task(self._wake.wait()), asyncio.create_task(stop.wait())]
        try:
            await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in waits:
                task.cancel()

    # --- feeding ----------------------------------------------------------------------------
    async def _due(self, session: AsyncSession) -> list[_Due]:
        now = self._now()
        urgent = col(Broadcast.priority) == BroadcastPriority.urgent.value
        urgent_first = case((urgent, 0), else_=1)
        result = await session.execute(
            select(col(Broadcast.id), col(Broadcast.status), col(Broadcast.priority))
            .where(
                col(Broadcast.status).in_([BroadcastStatus.queued, BroadcastStatus.sending]),
                (col(Broadcast.scheduled_at).is_(None)) | (col(Broadcast.scheduled_at) <= now),
            )
            .order_by(urgent_first, col(Broadcast.id))
        )
        return [_Due(int(i or 0), BroadcastStatus(s), BroadcastPriority(p)) for i, s, p in result]

    async def _anything_to_feed(self) -> bool:
        async with self._factory() as session:
            due = await self._due(session)
        return any(not self._is_exhausted(d.id) for d in due)

    def _is_exhausted(self, broadcast_id: int) -> bool:
        tracker = self._trackers.get(broadcast_id)
        return tracker is not None and tracker.exhausted

    async def _feed(self, queue: asyncio.Queue[Row]) -> bool:
        """Hand out one batch of the most urgent due broadcast; False if there was none."""
        async with self._factory() as session:
            due = await self._due(session)
            due_ids = {d.id for d in due}
            for broadcast_id, known in self._trackers.items():
                if broadcast_id not in due_ids and not known.exhausted:
                    known.exhausted = True  # cancelled meanwhile: finish what is in flight
                    self._check_finished(known)
            for item in due:
                found = self._trackers.get(item.id)
                tracker = found if found is not None else await self._start(session, item)
                if tracker.exhausted:
                    continue
                rows = await fetch_pending(
                    session, item.id, self._cursors.get(item.id, 0), self.config.batch_size
                )
                break
            else:
                return False
        if len(rows) < self.config.batch_size:
            tracker.exhausted = True
        if rows:
            self._cursors[item.id] = rows[-1].seq
            tracker.outstanding += len(rows)
            for row in rows:
                queue.put_nowait(row)
        self._check_finished(tracker)
        return True

    async def _start(self, session: AsyncSession, item: _Due) -> Tracker:
        broadcast = await session.get(Broadcast, item.id)
        assert broadcast is not None and broadcast.id is not None
        caption, texts = plan_messages(broadcast.text, photo=bool(broadcast.photo))
        self._contents[item.id] = _Content(broadcast.photo, caption, tuple(texts), broadcast.pin)
        if broadcast.status is BroadcastStatus.queued:
            await session.execute(
                update(BROADCAST)
                .where(BROADCAST.c.id == item.id)
                .values(status=BroadcastStatus.sending.value, started_at=self._now())
            )
            await session.commit()
        counts = (await delivery_counts(session, [item.id]))[item.id]
        tracker = Tracker(
            broadcast_id=item.id,
            total=counts.total,
            delivered=counts.delivered,
            failed=counts.failed,
            skipped=counts.skipped,
            possibly_duplicated=counts.possibly_duplicated,
            started=self._monotonic(),
        )
        self._trackers[item.id] = tracker
        self._cursors[item.id] = 0
        self._queue_progress(tracker, force=True)
        return tracker

    # --- outcomes and finishing -------------------------------------------------------------
    def _committed(self, outcomes: list[Outcome], claimed: list[int]) -> None:
        touched: dict[int, Tracker] = {}
        for outcome in outcomes:
            tracker = self._trackers.get(outcome.row.broadcast_id)
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
            self._queue_progress(tracker)
            self._check_finished(tracker)

    def _row_dropped(self, row: Row) -> None:
        """A row we handed out was no longer pending (cancelled): nothing to record."""
        tracker = self._trackers.get(row.broadcast_id)
        if tracker is not None:
            tracker.outstanding -= 1
            self._check_finished(tracker)

    def _check_finished(self, tracker: Tracker) -> None:
        if tracker.exhausted and tracker.outstanding == 0:
            if tracker.broadcast_id not in self._ready:
                self._ready.append(tracker.broadcast_id)
            self._wake.set()

    async def _finish_ready(self) -> None:
        while self._ready:
            broadcast_id = self._ready.pop(0)
            tracker = self._trackers.get(broadcast_id)
            if tracker is None:
                continue
            async with self._factory() as session:
                counts = (await delivery_counts(session, [broadcast_id]))[broadcast_id]
                if counts.remaining:
                    # Rows went back to pending behind our cursor: go over it again.
                    tracker.exhausted = False
                    self._cursors[broadcast_id] = 0
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
            tracker.delivered, tracker.failed = counts.delivered, counts.failed
            tracker.skipped = counts.skipped
            tracker.possibly_duplicated = counts.possibly_duplicated
            del self._trackers[broadcast_id]
            self._cursors.pop(broadcast_id, None)
            self._contents.pop(broadcast_id, None)
            self._finished.append(broadcast_id)
            self._queue_progress(tracker, final=True)
            log.info(
                "broadcast %d finished: %d delivered, %d failed, %d skipped",
                broadcast_id,
                counts.delivered,
                counts.failed,
                counts.skipped,
            )

    async def _next_scheduled(self) -> datetime | None:
        async with self._factory() as session:
            result = await session.execute(
                select(col(Broadcast.scheduled_at))
                .where(
                    col(Broadcast.status) == BroadcastStatus.queued,
                    col(Broadcast.scheduled_at) > self._now(),
                )
                .order_by(col(Broadcast.scheduled_at))
                .limit(1)
            )
            return result.scalar_one_or_none()

    # --- progress ---------------------------------------------------------------------------
    def _queue_progress(self, tracker: Tracker, force: bool = False, final: bool = False) -> None:
        now = self._monotonic()
        if not (force or final) and now - tracker.last_emit < self.config.progress_interval:
            return
        tracker.last_emit = now
        self._pending_progress[tracker.broadcast_id] = tracker.snapshot(now, finished=final)
        self._progress_wake.set()

    def _pending_progress_flush(self) -> None:
        for broadcast_id, tracker in self._trackers.items():
            if broadcast_id not in self._pending_progress:
                now = self._monotonic()
                self._pending_progress[broadcast_id] = tracker.snapshot(now)

    async def _emit_progress(self) -> None:
        while True:
            await self._progress_wake.wait()
            self._progress_wake.clear()
            await self._publish_pending()

    async def _publish_pending(self) -> None:
        while self._pending_progress:
            batch, self._pending_progress = self._pending_progress, {}
            for progress in batch.values():
                try:
                    await self.progress.publish(progress)
                except Exception:
                    log.exception("a broadcast progress callback failed")

    # --- one sender -------------------------------------------------------------------------
    async def _worker(self, queue: asyncio.Queue[Row], writer: OutboxWriter) -> None:
        while True:
            row = await queue.get()
            self._taken.set()
            try:
                outcome = await self._deliver(row, writer)
                if outcome is None:
                    self._row_dropped(row)
                else:
                    writer.record(outcome)
            finally:
                queue.task_done()

    async def _deliver(self, row: Row, writer: OutboxWriter) -> Outcome | None:
        if not row.active:
            return Outcome(row, DeliveryStatus.skipped, row.chat_id, error=INACTIVE_REASON)
        content = self._contents[row.broadcast_id]
        cfg = self.config
        chat_id = row.chat_id
        ids: list[int] = []
        attempts = transient = floods = migrations = 0
        claimed = False
        pin_note: str | None = None
        while len(ids) < content.parts:
            part = len(ids)
            try:
                async with self.limiter.slot(chat_id):
                    if not claimed:
                        if not await writer.claim(row.id):
                            return None
                        claimed = True
                    attempts += 1
                    result = await self._send_part(content, part, chat_id)
                ids.append(result.message_id)
                if result.pin_error:
                    pin_note = f"not pinned: {result.pin_error}"
                continue
            except RetryAfter as exc:
                floods += 1
                self.limiter.pause(exc.seconds + cfg.flood_extra)
                log.warning("429 in chat %s: all sending paused %.1f s", chat_id, exc.seconds)
                if floods > cfg.max_flood_waits:
                    reason = f"flood control {floods} times: {exc.reason}"
                    return self._failed(row, chat_id, ids, reason, attempts)
            except Migrated as exc:
                migrations += 1
                await self._follow_migration(row, chat_id, exc.new_chat_id)
                chat_id = exc.new_chat_id
                if migrations > cfg.max_migrations:
                    return self._failed(row, chat_id, ids, exc.reason, attempts)
            except Forbidden as exc:
                await self._deactivate(row)
                return self._failed(row, chat_id, ids, exc.reason, attempts)
            except BadRequest as exc:
                return self._failed(row, chat_id, ids, exc.reason, attempts)
            except (Transient, SendError, Exception) as exc:  # an adapter bug counts as transient
                if not claimed:
                    raise  # the claim itself failed: a database error stops the engine
                transient += 1
                reason = exc.reason if isinstance(exc, SendError) else repr(exc)
                if transient >= cfg.max_attempts:
                    reason = f"gave up after {transient} attempts: {reason}"
                    return self._failed(row, chat_id, ids, reason, attempts)
                delay = min(cfg.backoff_cap, cfg.backoff_base * 2 ** (transient - 1))
                await self._sleep(delay)
        return Outcome(
            row, DeliveryStatus.delivered, chat_id, tuple(ids), error=pin_note, attempts=attempts
        )

    async def _send_part(self, content: _Content, part: int, chat_id: int) -> SendResult:
        pin = content.pin and part == 0
        if content.photo:
            if part == 0:
                return await self._sender.send_photo(
                    chat_id, content.photo, caption=content.caption, pin=pin
                )
            part -= 1
        return await self._sender.send_text(chat_id, content.texts[part], pin=pin)

    @staticmethod
    def _failed(row: Row, chat_id: int, ids: list[int], reason: str, attempts: int) -> Outcome:
        if ids:
            reason = f"only {len(ids)} part(s) delivered: {reason}"
        return Outcome(row, DeliveryStatus.failed, chat_id, tuple(ids), reason, attempts)

    async def _deactivate(self, row: Row) -> None:
        async with self._factory() as session:
            await session.execute(
                update(Group)
                .where(col(Group.id) == row.group_id, col(Group.active).is_(True))
                .values(active=False, left_at=self._now())
            )
            await session.commit()

    async def _follow_migration(self, row: Row, old_chat_id: int, new_chat_id: int) -> None:
        """The same group record follows the chat to its new id (if no other record holds it)."""
        try:
            async with self._factory() as session:
                group = await session.get(Group, row.group_id)
                if group is not None and group.chat_id == old_chat_id:
                    await follow_migration(session, old_chat_id, new_chat_id, group.title)
                await session.commit()
        except Exception:
            log.exception(
                "could not move group %d to chat %d; sending there anyway",
                row.group_id,
                new_chat_id,
            )


async def run_broadcasts(
    session_factory: async_sessionmaker[AsyncSession],
    sender: Sender,
    config: EngineConfig | None = None,
    on_progress: Callable[[Progress], Awaitable[None] | None] | None = None,
) -> list[BroadcastReport]:
    """One-shot helper: recover, send everything due, return the reports."""
    engine = BroadcastEngine(session_factory, sender, config, on_progress=on_progress)
    return await engine.run_until_idle()
