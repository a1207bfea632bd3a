"""逐级上报: a ticket that misses its deadline moves one level up, exactly once per deadline."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, or_, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from models.people import Person
from models.tickets import EventKind, Ticket, TicketStatus
from models.totals_write import counting
from models.tree import Node
from tickets.events import GroupUpdate, Notice, NotifyStaff, StaffReason, TellGroup
from tickets.history import record
from tickets.policy import TicketPolicy
from tickets.routing import parent_with_staff, staff_at

log = logging.getLogger("gridbot.tickets")


async def escalate_ticket(
    session: AsyncSession,
    ticket: Ticket,
    now: datetime,
    policy: TicketPolicy,
    actor: Person | None = None,
    reason: str = "",
) -> list[Notice]:
    """Move the ticket to the next level with staff; [] if it is already at the top."""
    current = await session.get(Node, ticket.handling_node_id)
    upper = await parent_with_staff(session, current) if current else None
    if upper is None or upper.id is None or ticket.id is None:
        return []
    claimed = ticket.status is TicketStatus.claimed
    text = reason or ("超时未接单" if not claimed else "超时未办结")
    async with counting(session, ticket.id):
        moved = await _move_up(session, ticket, upper, now, policy, actor, f"{upper.name}：{text}")
    if not moved:
        return []
    told = tuple(p.id for p in await staff_at(session, upper) if p.id is not None)
    return [
        NotifyStaff(ticket.id, told, StaffReason.escalated, text),
        TellGroup(ticket.id, GroupUpdate.escalated, note=upper.name),
    ]


async def _move_up(
    session: AsyncSession,
    ticket: Ticket,
    upper: Node,
    now: datetime,
    policy: TicketPolicy,
    actor: Person | None,
    text: str,
) -> bool:
    """Guarded update: a second sweeper (or a restart) that read the same row changes nothing."""
    claimed = ticket.status is TicketStatus.claimed
    deadline = policy.deadline(ticket.category, ticket.priority)
    result = await session.execute(
        update(Ticket)
        .where(
            col(Ticket.id) == ticket.id,
            col(Ticket.escalation_level) == ticket.escalation_level,
            col(Ticket.status) == ticket.status,
        )
        .values(
            handling_node_id=upper.id,
            escalation_level=ticket.escalation_level + 1,
            claim_due_at=None if claimed else now + deadline.claim,
            resolve_due_at=now + deadline.resolve if claimed else ticket.resolve_due_at,
        )
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 1) == 0:
        return False
    await session.refresh(ticket)
    record(session, ticket, EventKind.escalated, now, actor=actor, node_id=upper.id, text=text)
    await session.flush()
    return True


UNCLAIMED = (TicketStatus.new, TicketStatus.reopened)


def deadline_of() -> ColumnElement[datetime | None]:
    """The deadline of the ticket's state: to be claimed, to be resolved, or none."""
    return case(
        (col(Ticket.status).in_(UNCLAIMED), col(Ticket.claim_due_at)),
        (col(Ticket.status) == TicketStatus.claimed, col(Ticket.resolve_due_at)),
        else_=None,
    )


def overdue(now: datetime) -> ColumnElement[bool]:
    """Past the deadline of its state: unclaimed past claim_due_at, claimed past resolve_due_at
    (the one definition: the sweep escalates these, the ticket board marks them 超时)."""
    unclaimed = col(Ticket.status).in_(UNCLAIMED)
    return or_(
        and_(unclaimed, col(Ticket.claim_due_at) <= now),
        and_(col(Ticket.status) == TicketStatus.claimed, col(Ticket.resolve_due_at) <= now),
    )


async def sweep(
    factory: async_sessionmaker[AsyncSession], now: datetime, policy: TicketPolicy
) -> list[Notice]:
    """Escalate every overdue ticket and close unrated ones, one transaction per ticket."""
    async with factory() as session:
        due = list((await session.execute(select(Ticket.id).where(overdue(now)))).scalars())
        stale = list(
            (
                await session.execute(
                    select(Ticket.id).where(
                        col(Ticket.status) == TicketStatus.resolved,
                        col(Ticket.feedback_due_at) <= now,
                    )
                )
            ).scalars()
        )
    notices: list[Notice] = []
    for ticket_id in due:
        async with factory() as session, session.begin():
            ticket = await session.get(Ticket, ticket_id)
            if (
                ticket is None
                or not (
                    await session.execute(
                        select(Ticket.id).where(col(Ticket.id) == ticket_id, overdue(now))
                    )
                ).first()
            ):
                continue
            found = await escalate_ticket(session, ticket, now, policy)
            if not found:
                # At the top already: stop the clock so it is not swept again. Guarded like the
                # escalation itself: [] also means another sweeper moved the ticket meanwhile,
                # and its new deadline must stay.
                await session.execute(
                    update(Ticket)
                    .where(
                        col(Ticket.id) == ticket_id,
                        col(Ticket.escalation_level) == ticket.escalation_level,
                        overdue(now),
                    )
                    .values(claim_due_at=None, resolve_due_at=None)
                    .execution_options(synchronize_session=False)
                )
            notices.extend(found)
    for ticket_id in stale:
        async with factory() as session, session.begin():
            await close_unrated(session, ticket_id, now)
    if due or stale:
        log.info("sweep at %s: %d overdue, %d unrated closed", now, len(due), len(stale))
    return notices


async def close_unrated(session: AsyncSession, ticket_id: int, now: datetime) -> None:
    """No rating in time counts as no rating (never as satisfied)."""
    async with counting(session, ticket_id):
        await _close(session, ticket_id, now)


async def _close(session: AsyncSession, ticket_id: int, now: datetime) -> None:
    result = await session.execute(
        update(Ticket)
        .where(col(Ticket.id) == ticket_id, col(Ticket.status) == TicketStatus.resolved)
        .values(status=TicketStatus.closed, closed_at=now, feedback_due_at=None)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 1):
        ticket = await session.get(Ticket, ticket_id)
        if ticket is not None:
            record(session, ticket, EventKind.closed, now, text="未评价")
