"""A hazard found on a round becomes a ticket with one tap, through the ticket workflow."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from classify.model import Category, Classification
from models.access import Actor, Refused, acting
from models.groups import Group
from models.tickets import Ticket
from models.tree import Node
from models.work import WorkLog
from tickets.opening import Opening, Report, report_message
from tickets.policy import TicketPolicy

HAZARD_CATEGORIES = frozenset({Category.SAFETY, Category.ENVIRONMENT})


@dataclass
class HazardTicket:
    entry: WorkLog
    ticket: Ticket
    opening: Opening | None = None  # None when the entry had become a ticket before


def hazard_classification(found: Classification) -> Classification:
    """Keep the classifier's safety or environment verdict; anything else is a safety case."""
    if found.category in HAZARD_CATEGORIES:
        return found
    return dataclasses.replace(found, category=Category.SAFETY)


async def grid_group(session: AsyncSession, node_id: int) -> Group | None:
    """The active group bound to the grid: tickets live in a group, so the grid needs one."""
    result = await session.execute(
        select(Group)
        .where(Group.node_id == node_id, col(Group.active).is_(True))
        .order_by(col(Group.id))
        .limit(1)
    )
    return result.scalar_one_or_none()


async def hazard_to_ticket(
    session: AsyncSession,
    log_id: int,
    who: Actor | int,
    classify: Callable[[str], Classification],
    policy: TicketPolicy,
    now: datetime,
) -> HazardTicket:
    """Open (or join) a ticket on the entry's grid, reported by the worker; once per entry.
    Refused: unknown (no such entry), forbidden (not staff covering its grid), no_group."""
    actor = await acting(session, who)
    entry = await session.get(WorkLog, log_id)
    if entry is None:
        raise Refused("unknown")
    actor.require_node(await session.get(Node, entry.node_id), reason="forbidden")
    person, user_id = actor.require(), actor.user_id
    assert user_id is not None
    if entry.ticket_id is not None:
        earlier = await session.get(Ticket, entry.ticket_id)
        if earlier is not None:
            return HazardTicket(entry, earlier)
    group = await grid_group(session, entry.node_id)
    if group is None:
        raise Refused("no_group")
    report = Report(
        chat_id=group.chat_id,
        reporter_user_id=user_id,
        reporter_name=person.name,
        text=entry.text,
        explicit=True,
    )
    found = hazard_classification(classify(entry.text))
    opening = await report_message(session, report, found, policy, now)
    if opening.ticket is None:
        raise Refused("no_group")
    entry.ticket_id = opening.ticket.id
    await session.flush()
    return HazardTicket(entry, opening.ticket, opening)
