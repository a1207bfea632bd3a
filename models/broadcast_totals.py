"""Broadcast totals: each finished broadcast's copies, deliveries and 已阅 per subtree node.

`/stats` over the whole history otherwise reads every delivery (3,170 a broadcast, 2.3 million
in two years: 2 s and more). A broadcast is counted once it is over (done or cancelled, no copy
pending or sending), when no copy's status changes any more: by the bot's sweep (every
`[tickets] sweep_seconds`) and by `gridbot stats rebuild-totals`. Until then, for that
lag, its figures are counted from its deliveries, as before. A 已阅 pressed later is added in
the press's own transaction (`count_read`). Rows hold the subtree's sums for every node above
the group (as models/totals.py), under the group's node at counting time.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from sqlalchemy import Column, Index, Integer, Table, and_, exists, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col

from models.broadcasts import (
    Broadcast,
    BroadcastDelivery,
    BroadcastKind,
    BroadcastRead,
    BroadcastStatus,
    DeliveryStatus,
)
from models.groups import Group
from models.tree import Node, lineage_ids

FIGURES = ("copies", "delivered", "read_offered", "read")

broadcast_total = Table(
    "broadcast_total",
    SQLModel.metadata,
    Column("node_id", Integer, primary_key=True),
    Column("broadcast_id", Integer, primary_key=True),
    *(Column(name, Integer, nullable=False) for name in FIGURES),
    # A report reads one node's rows of every broadcast: rows written broadcast by broadcast lie
    # on as many pages, so on PostgreSQL the index carries the figures (an index-only scan).
    Index(
        "ix_broadcast_total_figures",
        "node_id",
        "broadcast_id",
        postgresql_include=list(FIGURES),
    ),
)
broadcast_counted = Table(
    "broadcast_counted",
    SQLModel.metadata,
    Column("broadcast_id", Integer, primary_key=True),
)


async def group_lineages(session: AsyncSession) -> dict[int, list[int]]:
    """Every bound group's id → the ids of its node and every node above."""
    result = await session.execute(
        select(col(Group.id), col(Node.lineage)).join(Node, col(Node.id) == Group.node_id)
    )
    return {
        group_id: lineage_ids(lineage)
        for group_id, lineage in result.all()
        if group_id is not None
    }


async def count_finished_broadcasts(session: AsyncSession) -> int:
    """Count every broadcast that is over and not counted yet; how many were."""
    unsent = select(col(BroadcastDelivery.id)).where(
        col(BroadcastDelivery.broadcast_id) == Broadcast.id,
        col(BroadcastDelivery.status).in_([DeliveryStatus.pending, DeliveryStatus.sending]),
    )
    counted = select(broadcast_counted.c.broadcast_id).where(
        broadcast_counted.c.broadcast_id == Broadcast.id
    )
    result = await session.execute(
        select(col(Broadcast.id), col(Broadcast.read_button)).where(
            col(Broadcast.kind) != BroadcastKind.edit,
            col(Broadcast.status).in_([BroadcastStatus.done, BroadcastStatus.cancelled]),
            ~exists(unsent),
            ~exists(counted),
        )
    )
    finished = result.all()
    if finished:
        lineages = await group_lineages(session)
        for broadcast_id, read_button in finished:
            await count_broadcast(session, broadcast_id or 0, read_button, lineages)
    return len(finished)


async def count_broadcast(
    session: AsyncSession, broadcast_id: int, read_button: bool, lineages: dict[int, list[int]]
) -> None:
    read_groups = (
        select(col(BroadcastRead.group_id))
        .where(col(BroadcastRead.broadcast_id) == broadcast_id)
        .distinct()
        .subquery("read_groups")
    )
    result = await session.execute(
        select(
            col(BroadcastDelivery.group_id), col(BroadcastDelivery.status), read_groups.c.group_id
        )
        .outerjoin(read_groups, read_groups.c.group_id == BroadcastDelivery.group_id)
        .where(col(BroadcastDelivery.broadcast_id) == broadcast_id)
    )
    sums: defaultdict[int, Counter[str]] = defaultdict(Counter)
    for group_id, status, read_group in result.all():
        delivered = status == DeliveryStatus.delivered
        offered = delivered and read_button
        figures = (1, delivered, offered, offered and read_group is not None)
        for node_id in lineages.get(group_id, []):
            sums[node_id].update(dict(zip(FIGURES, map(int, figures), strict=True)))
    rows = [
        {"node_id": node_id, "broadcast_id": broadcast_id, **{f: s[f] for f in FIGURES}}
        for node_id, s in sums.items()
    ]
    if rows:
        await session.execute(insert(broadcast_total), rows)
    await session.execute(insert(broadcast_counted).values(broadcast_id=broadcast_id))


async def count_read(session: AsyncSession, broadcast_id: int, group_id: int | None) -> None:
    """A 已阅 just recorded: the group's first one for a counted broadcast whose copy was
    delivered adds one read to every node above the group. The copy's row is locked, so two
    first presses in one group count once."""
    if group_id is None:
        return
    copy = await session.execute(
        select(col(BroadcastDelivery.status))
        .where(
            col(BroadcastDelivery.broadcast_id) == broadcast_id,
            col(BroadcastDelivery.group_id) == group_id,
        )
        .with_for_update()
    )
    statuses = [status for (status,) in copy.all()]
    if statuses.count(DeliveryStatus.delivered) == 0 or not await _counted(session, broadcast_id):
        return
    reads = await session.scalar(
        select(func.count()).where(
            col(BroadcastRead.broadcast_id) == broadcast_id,
            col(BroadcastRead.group_id) == group_id,
        )
    )
    if reads != 1:
        return
    lineages = await group_lineages(session)
    await session.execute(
        update(broadcast_total)
        .where(
            and_(
                broadcast_total.c.broadcast_id == broadcast_id,
                broadcast_total.c.node_id.in_(lineages.get(group_id, [])),
            )
        )
        .values(read=broadcast_total.c.read + statuses.count(DeliveryStatus.delivered))
    )


async def _counted(session: AsyncSession, broadcast_id: int) -> bool:
    """Counted already, and with a 已阅 button (else no read is ever offered)."""
    found = await session.scalar(
        select(col(Broadcast.read_button))
        .join(broadcast_counted, broadcast_counted.c.broadcast_id == Broadcast.id)
        .where(col(Broadcast.id) == broadcast_id)
    )
    return bool(found)
