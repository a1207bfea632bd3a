"""The reporter rates the result: 满意 / 基本满意 close it; 不满意 reopens it, superior told."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from models.tickets import EventKind, Rating, Ticket, TicketStatus
from models.totals_write import counting
from models.tree import Node
from tickets.events import GroupUpdate, Notice, NotifyStaff, StaffReason, TellGroup
from tickets.history import record
from tickets.policy import TicketPolicy
from tickets.routing import parent_with_staff, staff_at


class RatingOutcome(enum.StrEnum):
    recorded = "recorded"
    not_reporter = "not_reporter"
    not_waiting = "not_waiting"  # already rated, or the ticket is not resolved


@dataclass
class Rated:
    outcome: RatingOutcome
    ticket: Ticket | None = None
    notices: list[Notice] = field(default_factory=list)


async def rate(
    session: AsyncSession,
    ticket_id: int,
    user_id: int,
    rating: Rating,
    now: datetime,
    policy: TicketPolicy,
) -> Rated:
    ticket = await session.get(Ticket, ticket_id)
    if ticket is None or ticket.status is not TicketStatus.resolved:
        return Rated(RatingOutcome.not_waiting, ticket)
    if ticket.reporter_user_id != user_id:
        return Rated(RatingOutcome.not_reporter, ticket)
    async with counting(session, ticket.id):
        return await _record_rating(session, ticket, user_id, rating, now, policy)


async def _record_rating(
    session: AsyncSession,
    ticket: Ticket,
    user_id: int,
    rating: Rating,
    now: datetime,
    policy: TicketPolicy,
) -> Rated:
    ticket.rating, ticket.rated_at, ticket.feedback_due_at = rating, now, None
    record(session, ticket, EventKind.rated, now, actor_user_id=user_id, text=rating.label)
    if rating is not Rating.unsatisfied:
        ticket.status, ticket.closed_at = TicketStatus.closed, now
        record(session, ticket, EventKind.closed, now, text=rating.label)
        await session.flush()
        return Rated(RatingOutcome.recorded, ticket)
    return Rated(RatingOutcome.recorded, ticket, await _reopen(session, ticket, now, policy))


async def _reopen(
    session: AsyncSession, ticket: Ticket, now: datetime, policy: TicketPolicy
) -> list[Notice]:
    """Back to work for the same handler, and the handler's superior is told."""
    ticket.status, ticket.resolved_at = TicketStatus.reopened, None
    deadline = policy.deadline(ticket.category, ticket.priority)
    ticket.claim_due_at, ticket.resolve_due_at = now + deadline.claim, now + deadline.resolve
    record(session, ticket, EventKind.reopened, now, text="居民不满意")
    await session.flush()
    assert ticket.id is not None
    handling = await session.get(Node, ticket.handling_node_id)
    superior = await parent_with_staff(session, handling) if handling else None
    bosses = await staff_at(session, superior) if superior else []
    notices: list[Notice] = [TellGroup(ticket.id, GroupUpdate.reopened)]
    workers = (ticket.assignee_person_id,) if ticket.assignee_person_id else ()
    if workers:
        notices.append(NotifyStaff(ticket.id, workers, StaffReason.reopened))
    told = tuple(p.id for p in bosses if p.id is not None)
    if told:
        notices.append(NotifyStaff(ticket.id, told, StaffReason.reopened, "居民不满意，请督办"))
    return notices
