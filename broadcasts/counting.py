"""Figures of a broadcast, counted from its outbox rows (one GROUP BY for many broadcasts)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.broadcasts import Broadcast, BroadcastDelivery

INACTIVE_REASON = "group inactive"
CANCELLED_REASON = "broadcast cancelled"

DELIVERY = BroadcastDelivery.__table__  # type: ignore[attr-defined]
BROADCAST = Broadcast.__table__  # type: ignore[attr-defined]


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
    """Copy the live figures onto the broadcast row (final once it is done)."""
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
