"""Edit broadcasts: change every delivered copy of a broadcast (a missing-person alert's news,
or 已找到), through the engine like any send: rate limited, crash safe, reported."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broadcasts.counting import DELIVERY, store_counts
from broadcasts.creating import fill_outbox
from broadcasts.errors import BroadcastError, BroadcastProblem
from broadcasts.personalize import check_template, is_template
from broadcasts.plans import Layout, copy_steps, edit_steps
from models.base import utcnow
from models.broadcasts import Broadcast, BroadcastKind, DeliveryStatus, EditMode
from models.groups import Group

FOUND_REASON = "found before it was sent: not sent any more"


async def create_edit(
    session: AsyncSession,
    *,
    source_id: int,
    text: str,
    mode: EditMode,
    created_by: int | None = None,
    now: datetime | None = None,
) -> Broadcast:
    """An `edit` broadcast of `source_id` with one row per group whose copy was delivered
    (groups not reached get none), at the source's priority. The caller commits, then wakes
    the engine.

    If the source is still sending, copies in flight get a row too (and an `update` also the
    copies still to send); the engine runs the edit once the source is finished, and a row
    whose copy did not arrive after all ends skipped. `found` stops the copies not yet sent."""
    source = await session.get(Broadcast, source_id)
    if source is None or source.id is None:
        raise BroadcastError(BroadcastProblem.no_broadcast, broadcast_id=source_id)
    if source.kind is BroadcastKind.edit:
        raise BroadcastError(BroadcastProblem.edit_of_edit)
    mode = EditMode(mode)
    if not text.strip():
        raise BroadcastError(BroadcastProblem.edit_empty)
    templated = is_template(text)
    if templated:
        await check_template(text)
    elif not source.templated:
        _check_fits(source, mode, text)
    created = now or utcnow()
    reached = [DeliveryStatus.delivered.value, DeliveryStatus.sending.value]
    if mode is EditMode.update:
        reached.append(DeliveryStatus.pending.value)
    elif source.status.is_open:
        await _stop_unsent(session, source.id, created)
    edit = Broadcast(
        created_by=created_by,
        node_id=source.node_id,
        text=text,
        priority=source.priority,
        created_at=created,
        kind=BroadcastKind.edit,
        templated=templated,
        source_id=source.id,
        edit_mode=mode,
        ticket_id=source.ticket_id,
    )
    session.add(edit)
    await session.flush()
    targets = (
        select(
            DELIVERY.c.group_id.label("group_id"),
            DELIVERY.c.seq.label("seq"),
            DELIVERY.c.chat_id.label("chat_id"),
            col(Group.active).label("active"),
        )
        .join(Group, col(Group.id) == DELIVERY.c.group_id)
        .where(
            DELIVERY.c.broadcast_id == source.id,
            DELIVERY.c.status.in_(reached),
        )
    )
    await fill_outbox(session, edit, targets)
    return edit


def _check_fits(source: Broadcast, mode: EditMode, text: str) -> None:
    """Refuse now, not group by group, a text the copies cannot hold (too many parts)."""
    layout = Layout.of(source)
    planned = copy_steps(layout, source.text)
    if planned:
        edit_steps(layout, mode, text, list(range(1, len(planned) + 1)))


async def _stop_unsent(session: AsyncSession, source_id: int, now: datetime) -> None:
    await session.execute(
        update(DELIVERY)
        .where(
            DELIVERY.c.broadcast_id == source_id,
            DELIVERY.c.status == DeliveryStatus.pending.value,
        )
        .values(status=DeliveryStatus.skipped.value, error=FOUND_REASON, finished_at=now)
    )
    await store_counts(session, source_id)
