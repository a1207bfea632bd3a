"""Changing an open broadcast's state: cancel it, or requeue what a crash left in flight."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from broadcasts.counting import CANCELLED_REASON, DELIVERY, store_counts
from models.broadcasts import Broadcast, BroadcastStatus, DeliveryStatus


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
