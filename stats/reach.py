"""Broadcast figures of a scope: copies sent to its groups, delivered, and marked 已阅."""

from __future__ import annotations

from sqlalchemy import Subquery, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.broadcasts import Broadcast, BroadcastDelivery, BroadcastKind, BroadcastRead
from models.broadcasts import DeliveryStatus as DS
from models.groups import Group
from stats.model import Figures
from stats.period import Period, in_period


async def _sent(session: AsyncSession, period: Period) -> dict[int, bool]:
    """The period's broadcasts (edits of earlier ones aside): id → carries a 已阅 button."""
    result = await session.execute(
        select(col(Broadcast.id), col(Broadcast.read_button)).where(
            *in_period(Broadcast.created_at, period), col(Broadcast.kind) != BroadcastKind.edit
        )
    )
    return {int(broadcast_id or 0): read_button for broadcast_id, read_button in result.all()}


async def broadcast_figures(
    session: AsyncSession, keys: Subquery, period: Period, parts: dict[int, Figures]
) -> None:
    """Copies of the period's broadcasts sent to the scope's groups, delivered and read.

    The broadcast ids go in as a list, which lets the planner read just their outbox rows."""
    sent = await _sent(session, period)
    if not sent:
        return
    with_button = [broadcast_id for broadcast_id, button in sent.items() if button]
    reads = (
        select(col(BroadcastRead.broadcast_id), col(BroadcastRead.group_id))
        .where(col(BroadcastRead.broadcast_id).in_(with_button))
        .distinct()
        .subquery("reads")
    )
    delivered = col(BroadcastDelivery.status) == DS.delivered
    offered = and_(delivered, col(BroadcastDelivery.broadcast_id).in_(with_button))
    query = (
        select(
            keys.c.key,
            col(BroadcastDelivery.broadcast_id),
            func.count(),
            func.count().filter(delivered),
            func.count().filter(offered),
            func.count(reads.c.broadcast_id).filter(offered),
        )
        .select_from(BroadcastDelivery)
        .join(Group, col(Group.id) == BroadcastDelivery.group_id)
        .join(keys, keys.c.node_id == Group.node_id)
        .outerjoin(
            reads,
            and_(
                reads.c.broadcast_id == BroadcastDelivery.broadcast_id,
                reads.c.group_id == BroadcastDelivery.group_id,
            ),
        )
        .where(col(BroadcastDelivery.broadcast_id).in_(list(sent)))
        .group_by(keys.c.key, col(BroadcastDelivery.broadcast_id))
    )
    for key, broadcast_id, total, done, read_offered, read in (await session.execute(query)).all():
        figures = parts[key]
        figures.broadcast_ids.add(broadcast_id)
        figures.copies += total
        figures.delivered += done
        figures.read_offered += read_offered
        figures.read += read
