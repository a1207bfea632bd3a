"""Picking what to send next: the most urgent due broadcast (urgent before normal, then the
oldest), one batch of its pending rows at a time. Picking again after every batch lets an urgent
alert overtake an ordinary broadcast already under way. An edit is due only once its source is
finished, so that it finds every copy it is to change."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from broadcasts.counting import BROADCAST, delivery_counts
from broadcasts.jobs import Content, Job, make_jobs, prepare
from broadcasts.outbox import fetch_pending
from broadcasts.progress import Tracker
from broadcasts.tracking import Books
from models.broadcasts import Broadcast, BroadcastPriority, BroadcastStatus

SOURCE = BROADCAST.alias("source")


@dataclass(frozen=True)
class _Due:
    id: int
    status: BroadcastStatus
    priority: BroadcastPriority


class Feeder:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        books: Books,
        batch_size: int,
        now: Callable[[], datetime],
    ) -> None:
        self._factory = session_factory
        self._books = books
        self._batch_size = batch_size
        self._now = now
        self._cursors: dict[int, int] = {}
        self._contents: dict[int, Content] = {}

    async def feed(self, queue: asyncio.Queue[Job]) -> bool:
        """Hand out one batch of the most urgent due broadcast; False if there was none."""
        trackers = self._books.trackers
        async with self._factory() as session:
            due = await self._due(session)
            due_ids = {d.id for d in due}
            for broadcast_id, known in trackers.items():
                if broadcast_id not in due_ids and not known.exhausted:
                    known.exhausted = True  # cancelled meanwhile: finish what is in flight
                    self._books.check_finished(known)
            for item in due:
                found = trackers.get(item.id)
                tracker = found if found is not None else await self._start(session, item)
                if tracker.exhausted:
                    continue
                cursor = self._cursors.get(item.id, 0)
                rows = await fetch_pending(session, item.id, cursor, self._batch_size)
                jobs = await make_jobs(session, self._contents[item.id], rows)
                break
            else:
                return False
        if len(rows) < self._batch_size:
            tracker.exhausted = True
        if rows:
            self._cursors[item.id] = rows[-1].seq
            tracker.outstanding += len(rows)
            for job in jobs:
                queue.put_nowait(job)
        self._books.check_finished(tracker)
        return True

    async def anything_to_feed(self) -> bool:
        async with self._factory() as session:
            due = await self._due(session)
        trackers = self._books.trackers
        return any(d.id not in trackers or not trackers[d.id].exhausted for d in due)

    def reopen(self, broadcast_id: int) -> None:
        """Rows went back to pending behind our cursor: go over the broadcast again."""
        self._cursors[broadcast_id] = 0

    def finished(self, broadcast_id: int) -> None:
        self._cursors.pop(broadcast_id, None)
        self._contents.pop(broadcast_id, None)

    def clear(self) -> None:
        self._cursors.clear()
        self._contents.clear()

    async def next_scheduled(self) -> datetime | None:
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

    async def _due(self, session: AsyncSession) -> list[_Due]:
        now = self._now()
        urgent = col(Broadcast.priority) == BroadcastPriority.urgent.value
        open_ = [BroadcastStatus.queued.value, BroadcastStatus.sending.value]
        result = await session.execute(
            select(col(Broadcast.id), col(Broadcast.status), col(Broadcast.priority))
            .outerjoin(SOURCE, SOURCE.c.id == col(Broadcast.source_id))
            .where(
                col(Broadcast.status).in_(open_),
                (col(Broadcast.scheduled_at).is_(None)) | (col(Broadcast.scheduled_at) <= now),
                SOURCE.c.id.is_(None) | SOURCE.c.status.not_in(open_),  # edits: source done
            )
            .order_by(case((urgent, 0), else_=1), col(Broadcast.id))
        )
        return [_Due(int(i or 0), BroadcastStatus(s), BroadcastPriority(p)) for i, s, p in result]

    async def _start(self, session: AsyncSession, item: _Due) -> Tracker:
        broadcast = await session.get(Broadcast, item.id)
        assert broadcast is not None and broadcast.id is not None
        self._contents[item.id] = await prepare(session, broadcast)
        if broadcast.status is BroadcastStatus.queued:
            await session.execute(
                update(BROADCAST)
                .where(BROADCAST.c.id == item.id)
                .values(status=BroadcastStatus.sending.value, started_at=self._now())
            )
            await session.commit()
        counts = (await delivery_counts(session, [item.id]))[item.id]
        self._cursors[item.id] = 0
        return self._books.open(item.id, counts)
