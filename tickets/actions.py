"""What staff do to a ticket: claim, note, resolve, transfer, escalate."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from models.access import Actor, Refused, acting
from models.people import Person
from models.tickets import EventKind, Ticket, TicketStatus
from models.totals_write import counting
from models.tree import Node
from models.tree_service import node_by_code
from tickets.access import Refusal, ticket_for_staff
from tickets.escalation import escalate_ticket
from tickets.events import AskRating, GroupUpdate, Notice, NotifyStaff, StaffReason, TellGroup
from tickets.history import record
from tickets.policy import TicketPolicy
from tickets.routing import route_from


@dataclass
class Done:
    ticket: Ticket
    actor: Person
    notices: list[Notice] = field(default_factory=list)


def _require_open(ticket: Ticket) -> None:
    if not ticket.status.is_open:
        raise Refused(Refusal.closed, number=ticket.id)


async def claim(
    session: AsyncSession, number: int, who: Actor | int, now: datetime, policy: TicketPolicy
) -> Done:
    ticket, person = await ticket_for_staff(session, number, who)
    _require_open(ticket)
    if ticket.status is TicketStatus.claimed and ticket.assignee_person_id == person.id:
        return Done(ticket, person)
    async with counting(session, ticket.id):
        ticket.status, ticket.assignee_person_id, ticket.claimed_at = (
            TicketStatus.claimed,
            person.id,
            ticket.claimed_at or now,
        )
        ticket.claim_due_at = None
        ticket.resolve_due_at = now + policy.deadline(ticket.category, ticket.priority).resolve
        record(session, ticket, EventKind.claimed, now, actor=person)
        await session.flush()
    assert ticket.id is not None and person.id is not None
    notices: list[Notice] = []
    if policy.progress_to_group:
        notices.append(TellGroup(ticket.id, GroupUpdate.claimed, (person.id,)))
    return Done(ticket, person, notices)


async def add_note(
    session: AsyncSession, number: int, who: Actor | int, text: str, now: datetime
) -> Done:
    ticket, person = await ticket_for_staff(session, number, who)
    record(session, ticket, EventKind.noted, now, actor=person, text=text)
    await session.flush()
    return Done(ticket, person)


async def resolve(
    session: AsyncSession,
    number: int,
    who: Actor | int,
    text: str,
    photos: tuple[str, ...],
    now: datetime,
    policy: TicketPolicy,
) -> Done:
    ticket, person = await ticket_for_staff(session, number, who)
    _require_open(ticket)
    async with counting(session, ticket.id):
        ticket.status, ticket.resolved_at, ticket.resolution = TicketStatus.resolved, now, text
        ticket.assignee_person_id = ticket.assignee_person_id or person.id
        ticket.claimed_at = ticket.claimed_at or now
        ticket.claim_due_at = ticket.resolve_due_at = None
        ticket.feedback_due_at = now + policy.feedback_window
        if photos:
            ticket.photos = json.dumps([*json.loads(ticket.photos), *photos])
        record(session, ticket, EventKind.resolved, now, actor=person, text=text)
        await session.flush()
    assert ticket.id is not None and person.id is not None
    notices: list[Notice] = [AskRating(ticket.id)]
    if policy.progress_to_group:
        notices.insert(0, TellGroup(ticket.id, GroupUpdate.resolved, (person.id,), text))
    return Done(ticket, person, notices)


async def transfer(
    session: AsyncSession,
    number: int,
    who: Actor | int,
    code: str,
    now: datetime,
    policy: TicketPolicy,
) -> Done:
    """Hand the ticket to another node (a grid or a department) that the actor also covers."""
    actor = await acting(session, who)
    ticket, person = await ticket_for_staff(session, number, actor)
    _require_open(ticket)
    target = await node_by_code(session, code)
    if target is None:
        raise Refused(Refusal.unknown, number=number)
    actor.require_node(target, reason=Refusal.forbidden, number=number)
    route = await route_from(session, target)
    assert route.node.id is not None and ticket.id is not None
    async with counting(session, ticket.id):
        ticket.handling_node_id, ticket.status, ticket.assignee_person_id = (
            route.node.id,
            TicketStatus.new,
            None,
        )
        ticket.claim_due_at = now + policy.deadline(ticket.category, ticket.priority).claim
        record(
            session,
            ticket,
            EventKind.transferred,
            now,
            actor=person,
            node_id=route.node.id,
            text=target.name,
        )
        await session.flush()
    told = tuple(p.id for p in route.recipients if p.id is not None)
    return Done(ticket, person, [NotifyStaff(ticket.id, told, StaffReason.transferred)])


async def escalate(
    session: AsyncSession,
    number: int,
    who: Actor | int,
    reason: str,
    now: datetime,
    policy: TicketPolicy,
) -> Done:
    ticket, person = await ticket_for_staff(session, number, who)
    _require_open(ticket)
    notices = await escalate_ticket(session, ticket, now, policy, actor=person, reason=reason)
    if not notices:
        raise Refused(Refusal.closed, number=number)  # already at the top of the tree
    return Done(ticket, person, notices)


async def handling_node(session: AsyncSession, ticket: Ticket) -> Node | None:
    return await session.get(Node, ticket.handling_node_id)
