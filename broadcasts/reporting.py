"""Reading broadcasts back: the list with live figures, and one broadcast's report."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broadcasts.counting import DELIVERY, Counts, delivery_counts
from models.broadcasts import Broadcast, BroadcastPriority, BroadcastStatus, DeliveryStatus
from models.groups import Group


@dataclass(frozen=True)
class BroadcastFigures:
    """One line of `list_broadcasts`: what it was and where it stands."""

    id: int
    node_id: int
    created_by: int | None
    text: str
    priority: BroadcastPriority
    status: BroadcastStatus
    created_at: datetime
    scheduled_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    counts: Counts


@dataclass(frozen=True)
class DeliveryIssue:
    """A group the broadcast did not reach, and why."""

    group_id: int
    title: str
    chat_id: int | None
    reason: str

    def line(self) -> str:
        return f"{self.title or '(untitled)'} ({self.chat_id}): {self.reason}"


@dataclass(frozen=True)
class BroadcastReport:
    broadcast_id: int
    status: BroadcastStatus
    counts: Counts
    started_at: datetime | None
    finished_at: datetime | None
    failures: list[DeliveryIssue] = field(default_factory=list)
    skips: list[DeliveryIssue] = field(default_factory=list)

    @property
    def duration_s(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

    def lines(self) -> list[str]:
        c = self.counts
        head = (
            f"broadcast {self.broadcast_id} {self.status.value}: {c.total} groups, "
            f"{c.delivered} delivered, {c.failed} failed, {c.skipped} skipped"
        )
        if c.remaining:
            head += f", {c.remaining} remaining"
        if c.possibly_duplicated:
            head += f", {c.possibly_duplicated} possibly duplicated (in flight at a crash)"
        return [
            head,
            *(f"failed: {i.line()}" for i in self.failures),
            *(f"skipped: {i.line()}" for i in self.skips),
        ]


async def list_broadcasts(
    session: AsyncSession,
    *,
    limit: int = 50,
    node_ids: Iterable[int] | None = None,
    open_only: bool = False,
) -> list[BroadcastFigures]:
    """Newest first, with live figures for open ones and stored figures for finished ones."""
    query = select(Broadcast).order_by(col(Broadcast.id).desc()).limit(limit)
    if node_ids is not None:
        query = query.where(col(Broadcast.node_id).in_(list(node_ids)))
    if open_only:
        query = query.where(
            col(Broadcast.status).in_([BroadcastStatus.queued, BroadcastStatus.sending])
        )
    broadcasts = list((await session.execute(query)).scalars())
    live = await delivery_counts(session, [b.id for b in broadcasts if b.id is not None])
    return [_figures(b, live[b.id]) for b in broadcasts if b.id is not None]


def _figures(b: Broadcast, counts: Counts) -> BroadcastFigures:
    assert b.id is not None
    return BroadcastFigures(
        id=b.id,
        node_id=b.node_id,
        created_by=b.created_by,
        text=b.text,
        priority=b.priority,
        status=b.status,
        created_at=b.created_at,
        scheduled_at=b.scheduled_at,
        started_at=b.started_at,
        finished_at=b.finished_at,
        counts=counts,
    )


async def broadcast_report(session: AsyncSession, broadcast_id: int) -> BroadcastReport:
    """Counts plus every failed and skipped group by title and chat id, with the reason."""
    broadcast = await session.get(Broadcast, broadcast_id)
    if broadcast is None:
        raise LookupError(f"no broadcast {broadcast_id}")
    counts = (await delivery_counts(session, [broadcast_id]))[broadcast_id]
    result = await session.execute(
        select(
            DELIVERY.c.status,
            DELIVERY.c.group_id,
            col(Group.title),
            DELIVERY.c.chat_id,
            col(Group.chat_id),
            DELIVERY.c.error,
        )
        .join(Group, col(Group.id) == DELIVERY.c.group_id)
        .where(
            DELIVERY.c.broadcast_id == broadcast_id,
            DELIVERY.c.status.in_([DeliveryStatus.failed.value, DeliveryStatus.skipped.value]),
        )
        .order_by(DELIVERY.c.seq)
    )
    failures: list[DeliveryIssue] = []
    skips: list[DeliveryIssue] = []
    for status, group_id, title, row_chat, group_chat, error in result.all():
        issue = DeliveryIssue(group_id, title, row_chat or group_chat, error or "")
        (failures if status == DeliveryStatus.failed.value else skips).append(issue)
    return BroadcastReport(
        broadcast_id=broadcast_id,
        status=broadcast.status,
        counts=counts,
        started_at=broadcast.started_at,
        finished_at=broadcast.finished_at,
        failures=failures,
        skips=skips,
    )
