"""Creating a broadcast: the broadcast and its whole outbox, one row per target group, written
in the caller's transaction before anything is sent (the caller commits, then wakes the engine).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, case, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broadcasts.counting import DELIVERY, INACTIVE_REASON, delivery_counts
from broadcasts.errors import BroadcastError, BroadcastProblem
from broadcasts.personalize import check_template, is_template
from models.base import utcnow
from models.broadcasts import Broadcast, BroadcastKind, BroadcastPriority, DeliveryStatus
from models.groups import Group
from models.tree import Node

MIN_OPTIONS, MAX_OPTIONS = 2, 10


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
    kind: BroadcastKind = BroadcastKind.message,
    read_button: bool = False,
    options: Sequence[str] | None = None,
    ticket_id: int | None = None,
) -> Broadcast:
    """The broadcast and one outbox row per bound group under `node_id`, before any send.

    Targets are the groups bound to the node or any node below it, in tree order (node code,
    then group id). Active groups get a `pending` row; inactive ones a `skipped` row. A text
    with `{{` or `{%` is a per-group template (broadcasts/personalize.py), checked here. A poll
    needs 2-10 options. BroadcastError says what is wrong."""
    node = await session.get(Node, node_id)
    if node is None:
        raise BroadcastError(BroadcastProblem.no_node, node_id=node_id)
    kind = BroadcastKind(kind)
    if kind is BroadcastKind.edit:
        raise BroadcastError(BroadcastProblem.edit_not_created_here)
    checked = poll_options(kind, text, options)
    if not text.strip() and not photo:
        raise BroadcastError(BroadcastProblem.no_content)
    templated = is_template(text)
    if templated:
        await check_template(text)
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
        kind=kind,
        templated=templated,
        read_button=read_button,
        options=json.dumps(checked, ensure_ascii=False) if checked else None,
        ticket_id=ticket_id,
    )
    session.add(broadcast)
    await session.flush()
    assert broadcast.id is not None
    order = func.row_number().over(order_by=(col(Node.code), col(Group.id)))
    targets = (
        select(
            col(Group.id).label("group_id"),
            order.label("seq"),
            col(Group.chat_id).label("chat_id"),
            col(Group.active).label("active"),
        )
        .join(Node, col(Node.id) == col(Group.node_id))
        .where(col(Node.lineage).startswith(node.lineage))
    )
    await fill_outbox(session, broadcast, targets)
    return broadcast


def poll_options(kind: BroadcastKind, text: str, options: Sequence[str] | None) -> list[str]:
    """The options trimmed, if `kind` is a poll and they are acceptable."""
    if kind is not BroadcastKind.poll:
        if options:
            raise BroadcastError(BroadcastProblem.options_without_poll)
        return []
    if not text.strip():
        raise BroadcastError(BroadcastProblem.poll_without_question)
    given = list(options or [])
    if not MIN_OPTIONS <= len(given) <= MAX_OPTIONS:
        raise BroadcastError(
            BroadcastProblem.option_count, given=len(given), least=MIN_OPTIONS, most=MAX_OPTIONS
        )
    cleaned = [str(o).strip() for o in given]
    for number, option in enumerate(cleaned, start=1):
        if not option:
            raise BroadcastError(BroadcastProblem.option_empty, number=number)
    duplicated = sorted({o for o in cleaned if cleaned.count(o) > 1})
    if duplicated:
        raise BroadcastError(BroadcastProblem.options_repeated, options=duplicated)
    return cleaned


async def fill_outbox(session: AsyncSession, broadcast: Broadcast, targets: Select[Any]) -> None:
    """One row per target (columns group_id, seq, chat_id, active): active ones `pending`, the
    rest `skipped` as inactive; then the broadcast's total and skipped figures."""
    assert broadcast.id is not None
    target = targets.subquery()
    active = target.c.active
    status = case(
        (active, literal(DeliveryStatus.pending.value)),
        else_=literal(DeliveryStatus.skipped.value),
    )
    error = case((active, literal(None)), else_=literal(INACTIVE_REASON))
    rows = select(
        literal(broadcast.id), target.c.group_id, target.c.seq, status, target.c.chat_id, error
    )
    await session.execute(
        DELIVERY.insert().from_select(
            ["broadcast_id", "group_id", "seq", "status", "chat_id", "error"], rows
        )
    )
    await session.execute(
        update(DELIVERY)
        .where(
            DELIVERY.c.broadcast_id == broadcast.id,
            DELIVERY.c.status == DeliveryStatus.skipped.value,
        )
        .values(finished_at=broadcast.created_at)
    )
    counts = (await delivery_counts(session, [broadcast.id]))[broadcast.id]
    broadcast.total, broadcast.skipped = counts.total, counts.skipped
    await session.flush()
