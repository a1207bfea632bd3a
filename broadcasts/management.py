"""Officials managing broadcasts: which they may see, the scheduled queue, cancelling."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from broadcasts.service import Counts, cancel_broadcast, delivery_counts
from models.access import ADMINS, Actor, acting
from models.broadcasts import Broadcast, BroadcastStatus
from models.tree import Node


async def scopes(session: AsyncSession, who: Actor | int) -> list[Node]:
    """The nodes on which the user holds a broadcasting role (each covers its subtree)."""
    return (await acting(session, who)).nodes(ADMINS)


async def queued_scheduled(
    session: AsyncSession, within: list[Node] | None = None, limit: int = 30
) -> list[Broadcast]:
    """Scheduled broadcasts not yet started, soonest first; only under `within` if given."""
    query = (
        select(Broadcast)
        .join(Node, col(Node.id) == col(Broadcast.node_id))
        .where(
            col(Broadcast.status) == BroadcastStatus.queued,
            col(Broadcast.scheduled_at).is_not(None),
        )
        .order_by(col(Broadcast.scheduled_at), col(Broadcast.id))
        .limit(limit)
    )
    if within is not None:
        if not within:
            return []
        query = query.where(or_(*(col(Node.lineage).startswith(n.lineage) for n in within)))
    return list((await session.execute(query)).scalars())


class Access(enum.StrEnum):
    allowed = "allowed"
    unknown = "unknown"
    refused = "refused"  # outside the user's subtree


async def visible_broadcast(
    session: AsyncSession, who: Actor | int, broadcast_id: int
) -> tuple[Access, Broadcast | None]:
    """The broadcast if its target lies in the user's subtree (staff who may broadcast there)."""
    broadcast = await session.get(Broadcast, broadcast_id)
    node = await session.get(Node, broadcast.node_id) if broadcast is not None else None
    if broadcast is None or node is None:
        return Access.unknown, None
    if not (await acting(session, who)).covers(node, ADMINS):
        return Access.refused, None
    return Access.allowed, broadcast


class CancelOutcome(enum.StrEnum):
    cancelled = "cancelled"  # nothing had been sent
    stopped = "stopped"  # it had started: the groups not yet reached get nothing
    finished = "finished"  # it had already been sent to every group
    cancelled_before = "cancelled_before"
    unknown = "unknown"
    refused = "refused"  # outside the user's subtree


@dataclass(frozen=True)
class Cancelled:
    outcome: CancelOutcome
    broadcast_id: int
    counts: Counts = field(default_factory=Counts)


async def cancel_for(
    session: AsyncSession, who: Actor | int | None, broadcast_id: int, now: datetime
) -> Cancelled:
    """Cancel broadcast `broadcast_id` if `who` may (None: the command line may always)."""
    broadcast = await session.get(Broadcast, broadcast_id)
    node = await session.get(Node, broadcast.node_id) if broadcast is not None else None
    if broadcast is None or node is None:
        return Cancelled(CancelOutcome.unknown, broadcast_id)
    if who is not None and not (await acting(session, who)).covers(node, ADMINS):
        return Cancelled(CancelOutcome.refused, broadcast_id)
    status = broadcast.status
    if status is BroadcastStatus.cancelled:
        return Cancelled(CancelOutcome.cancelled_before, broadcast_id)
    if status is BroadcastStatus.done or not await cancel_broadcast(session, broadcast_id, now):
        counts = (await delivery_counts(session, [broadcast_id]))[broadcast_id]
        return Cancelled(CancelOutcome.finished, broadcast_id, counts)
    counts = (await delivery_counts(session, [broadcast_id]))[broadcast_id]
    started = status is BroadcastStatus.sending or counts.delivered + counts.failed > 0
    outcome = CancelOutcome.stopped if started else CancelOutcome.cancelled
    return Cancelled(outcome, broadcast_id, counts)
