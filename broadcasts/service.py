"""Broadcasts in the database: create (with the whole outbox), cancel, recover, list, report.

Every function takes the caller's session and leaves the commit to the caller, except where
noted. The engine (broadcasts/engine.py) drives the sending.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.base import utcnow
from models.broadcasts import (
    Broadcast,
    BroadcastDelivery,
    BroadcastPriority,
    BroadcastStatus,
    DeliveryStatus,
)
from models.groups import Group
from models.tree import Node

INACTIVE_REASON = "group inactive"
CANCELLED_REASON = "broadcast cancelled"

DELIVERY = BroadcastDelivery.__table__  # type: ignore[attr-defined]
BROADCAST = Broadcast.__table__  # type: ignore[attr-defined]


class BroadcastError(ValueError):
    """A broadcast that cannot be created as asked (unknown node, nothing to send)."""


@dataclass(frozen=True)
class Counts:
    total: int = 0
    pending: int = 0
    sending: int = 0
    delivered: int = 0
    failed: int = 0
    skipped: int = 0
    possibly_duplicated: int = 0

    @property
    def remaining(self) -> int:
        return self.pending + self.sending


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


# --- creating ---------------------------------------------------------------------------


async def create_broadcast(
    session: AsyncSession,
    *,
    node_id: int,
    text: str,
    created_by: int | None = None,
    photo: str | None = None,
    pin: bool = False,
    priority: BroadcastPriority = BroadcastPriority.normal,
    scheduled_at: datetime | None = None,
    now: datetime | None = None,
) -> Broadcast:
    """The broadcast and one outbox row per bound group under `node_id`, before any send.

    Targets are the groups bound to the node or any node below it, in tree order (node code,
    then group id). Active groups get a `pending` row; inactive ones a `skipped` row. The
    caller commits (then wakes the engine)."""
    node = await session.get(Node, node_id)
    if node is None:
        raise BroadcastError(f"no node with id {node_id}")
    if not text.strip() and not photo:
        raise BroadcastError("a broadcast needs a text or a photo")
    created = now or utcnow()
    broadcast = Broadcast(
        created_by=created_by,
        node_id=node_id,
        text=text,
        photo=photo or None,
        pin=pin,
        priority=BroadcastPriority(priority),
        created_at=created,
        scheduled_at=scheduled_at,
    )
    session.add(broadcast)
    await session.flush()
    assert broadcast.id is not None
    order = func.row_number().over(order_by=(col(Node.code), col(Group.id)))
    status = case(
        (col(Group.active), literal(DeliveryStatus.pending.value)),
        else_=literal(DeliveryStatus.skipped.value),
    )
    error = case((col(Group.active), literal(None)), else_=literal(INACTIVE_REASON))
    targets = (
        select(
            literal(broadcast.id).label("broadcast_id"),
            col(Group.id).label("group_id"),
            order.label("seq"),
            status.label("status"),
            col(Group.chat_id).label("chat_id"),
            error.label("error"),
        )
        .join(Node, col(Node.id) == col(Group.node_id))
        .where(col(Node.lineage).startswith(node.lineage))
    )
    await session.execute(
        DELIVERY.insert().from_select(
            ["broadcast_id", "group_id", "seq", "status", "chat_id", "error"], targets
        )
    )
    await session.execute(
        update(DELIVERY)
        .where(
            DELIVERY.c.broadcast_id == broadcast.id,
            DELIVERY.c.status == DeliveryStatus.skipped.value,
        )
        .values(finished_at=created)
    )
    counts = (await delivery_counts(session, [broadcast.id]))[broadcast.id]
    broadcast.total, broadcast.skipped = counts.total, counts.skipped
    await session.flush()
    return broadcast


# --- counting ---------------------------------------------------------------------------


async def delivery_counts(session: AsyncSession, ids: Iterable[int]) -> dict[int, Counts]:
    """Live figures from the outbox rows, one GROUP BY for all `ids`."""
    wanted = list(ids)
    figures: dict[int, dict[str, int]] = {i: {} for i in wanted}
    if not wanted:
        return {}
    result = await session.execute(
        select(
            DELIVERY.c.broadcast_id,
            DELIVERY.c.status,
            func.count(),
            func.sum(case((DELIVERY.c.possibly_duplicated, 1), else_=0)),
        )
        .where(DELIVERY.c.broadcast_id.in_(wanted))
        .group_by(DELIVERY.c.broadcast_id, DELIVERY.c.status)
    )
    for broadcast_id, status, count, duplicated in result.all():
        row = figures[broadcast_id]
        row[str(status)] = int(count)
        row["total"] = row.get("total", 0) + int(count)
        row["possibly_duplicated"] = row.get("possibly_duplicated", 0) + int(duplicated or 0)
    return {i: Counts(**figures[i]) for i in wanted}


async def store_counts(session: AsyncSession, broadcast_id: int) -> Counts:
    counts = (await delivery_counts(session, [broadcast_id]))[broadcast_id]
    await session.execute(
        update(BROADCAST)
        .where(BROADCAST.c.id == broadcast_id)
        .values(
            total=counts.total,
            delivered=counts.delivered,
            failed=counts.failed,
            skipped=counts.skipped,
            possibly_duplicated=counts.possibly_duplicated,
        )
    )
    return counts


# --- changing state ---------------------------------------------------------------------


async def cancel_broadcast(session: AsyncSession, broadcast_id: int, now: datetime) -> bool:
    """Stop an open broadcast: rows not yet handed to a sender end `skipped`. Rows already in
    flight finish normally. False if it was already done or cancelled (or unknown)."""
    broadcast = await session.get(Broadcast, broadcast_id)
    if broadcast is None or not broadcast.status.is_open:
        return False
    broadcast.status = BroadcastStatus.cancelled
    broadcast.finished_at = now
    await session.flush()
    await session.execute(
        update(DELIVERY)
        .where(
            DELIVERY.c.broadcast_id == broadcast_id,
            DELIVERY.c.status == DeliveryStatus.pending.value,
        )
        .values(status=DeliveryStatus.skipped.value, error=CANCELLED_REASON, finished_at=now)
    )
    await store_counts(session, broadcast_id)
    await session.refresh(broadcast)
    return True


async def recover_in_flight(session: AsyncSession) -> dict[int, int]:
    """After a crash: rows left `sending` were in flight. Each is flagged possibly duplicated
    and goes back to `pending`, to be sent again (so every group ends with exactly one
    delivered row; the flagged ones may have got the message twice). Returns, per broadcast,
    how many rows were found in flight. Run it only when no engine is sending."""
    result = await session.execute(
        select(DELIVERY.c.broadcast_id, func.count())
        .where(DELIVERY.c.status == DeliveryStatus.sending.value)
        .group_by(DELIVERY.c.broadcast_id)
    )
    found = {int(b): int(n) for b, n in result.all()}
    if not found:
        return {}
    await session.execute(
        update(DELIVERY)
        .where(DELIVERY.c.status == DeliveryStatus.sending.value)
        .values(status=DeliveryStatus.pending.value, possibly_duplicated=True)
    )
    for broadcast_id in found:
        await store_counts(session, broadcast_id)
    return found


# --- reading ----------------------------------------------------------------------------


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


async def delivered_message_ids(session: AsyncSession, broadcast_id: int) -> dict[int, list[int]]:
    """Chat id → every message id of the delivered parts (for later edits or deletion)."""
    result = await session.execute(
        select(DELIVERY.c.chat_id, DELIVERY.c.message_id, DELIVERY.c.message_ids).where(
            DELIVERY.c.broadcast_id == broadcast_id,
            DELIVERY.c.status == DeliveryStatus.delivered.value,
        )
    )
    out: dict[int, list[int]] = {}
    for chat_id, message_id, message_ids in result.all():
        out[int(chat_id)] = json.loads(message_ids) if message_ids else [int(message_id)]
    return out
