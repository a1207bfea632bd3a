"""Broadcast figures of a scope: copies sent to its groups, delivered, and marked 已阅."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Subquery, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.broadcast_totals import FIGURES, broadcast_counted, broadcast_total
from models.broadcasts import Broadcast, BroadcastDelivery, BroadcastKind, BroadcastRead
from models.broadcasts import DeliveryStatus as DS
from models.groups import Group
from stats.model import Figures
from stats.period import Period, in_period
from stats.sql import dialect_of, id_list, parse_ids


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
    await _from_deliveries(session, keys, await _sent(session, period), parts)


async def _from_deliveries(
    session: AsyncSession, keys: Subquery, sent: dict[int, bool], parts: dict[int, Figures]
) -> None:
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
    for key, broadcast_id, *figures in (await session.execute(query)).all():
        _add(parts[key], broadcast_id, figures)


def _add(figures: Figures, broadcast_id: int, amounts: Sequence[int]) -> None:
    copies, delivered, read_offered, read = amounts
    if copies:
        figures.broadcast_ids.add(broadcast_id)
        figures.copies += copies
        figures.delivered += delivered
        figures.read_offered += read_offered
        figures.read += read


async def totalled_broadcast_figures(
    session: AsyncSession,
    root_id: int,
    children: list[int],
    keys: Subquery,
    period: Period,
    parts: dict[int, Figures],
) -> None:
    """As broadcast_figures, reading the totals of counted (finished) broadcasts and only the
    others' deliveries (models/broadcast_totals.py). Summed in SQL: a child's line is one row
    with its broadcasts' ids as a list; the node's own level is its total less its children's,
    per broadcast, for the few broadcasts that reached groups at that level."""
    sent = await _sent(session, period)
    if not sent:
        return
    await _children_totals(session, children, list(sent), parts)
    await _own_level_totals(session, root_id, children, list(sent), parts)
    counted = await session.execute(
        select(broadcast_counted.c.broadcast_id).where(
            broadcast_counted.c.broadcast_id.between(min(sent), max(sent))
        )
    )
    done = set(counted.scalars())  # of the ids in range, those sent in the period matter
    rest = {b: button for b, button in sent.items() if b not in done}
    await _from_deliveries(session, keys, rest, parts)


async def _children_totals(
    session: AsyncSession, children: list[int], sent: list[int], parts: dict[int, Figures]
) -> None:
    if not children:
        return
    total = broadcast_total.c
    result = await session.execute(
        select(
            total.node_id,
            id_list(total.broadcast_id, dialect_of(session)),
            *(func.sum(total[name]) for name in FIGURES),
        )
        .where(total.node_id.in_(children), total.broadcast_id.in_(sent), total.copies > 0)
        .group_by(total.node_id)
    )
    for node_id, ids, copies, delivered, read_offered, read in result.all():
        figures = parts[node_id]
        figures.broadcast_ids.update(parse_ids(ids))
        figures.copies += int(copies)
        figures.delivered += int(delivered)
        figures.read_offered += int(read_offered)
        figures.read += int(read)


async def _own_level_totals(
    session: AsyncSession,
    root_id: int,
    children: list[int],
    sent: list[int],
    parts: dict[int, Figures],
) -> None:
    total = broadcast_total.c
    sign = case((total.node_id == root_id, 1), else_=-1)
    own = [func.sum(sign * total[name]) for name in FIGURES]
    result = await session.execute(
        select(total.broadcast_id, *own)
        .where(total.node_id.in_([root_id, *children]), total.broadcast_id.in_(sent))
        .group_by(total.broadcast_id)
        .having(own[0] > 0)
    )
    for broadcast_id, *amounts in result.all():
        _add(parts[root_id], broadcast_id, [int(a) for a in amounts])
