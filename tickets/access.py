"""Who may act on which ticket, and the refusals worded for the person asking."""

from __future__ import annotations

import enum

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, or_, select

from core.vocabulary import OPEN_STATUSES
from models.people import Person, Role
from models.tickets import Ticket
from models.tree import Node
from models.tree_service import person_by_telegram, staff_covering


class Refusal(enum.StrEnum):
    unknown = "unknown"  # no such ticket
    forbidden = "forbidden"  # not staff covering the ticket's grid
    closed = "closed"  # the action does not fit the ticket's state


class ActionRefused(Exception):
    def __init__(self, reason: Refusal, ticket: Ticket | None = None) -> None:
        super().__init__(reason.value)
        self.reason = reason
        self.ticket = ticket


async def ticket_for_staff(
    session: AsyncSession, number: int, user_id: int
) -> tuple[Ticket, Person]:
    """The ticket and the acting staff member, whose role must cover the ticket's grid or the
    node now handling it (a ticket transferred to another grid is that grid's to work on)."""
    ticket = await session.get(Ticket, number)
    if ticket is None:
        raise ActionRefused(Refusal.unknown)
    person = await person_by_telegram(session, user_id)
    if person is None:
        raise ActionRefused(Refusal.forbidden, ticket)
    for node_id in dict.fromkeys((ticket.node_id, ticket.handling_node_id)):
        node = await session.get(Node, node_id)
        if node is not None and await staff_covering(session, user_id, node):
            return ticket, person
    raise ActionRefused(Refusal.forbidden, ticket)


async def tickets_visible_to(session: AsyncSession, user_id: int, limit: int = 20) -> list[Ticket]:
    """Staff: tickets from or handled in their subtrees; residents: their own. Open first,
    newest first."""
    person = await person_by_telegram(session, user_id)
    roles = []
    if person is not None:
        held = await session.execute(select(Role).where(Role.person_id == person.id))
        roles = [r for r in held.scalars() if r.kind.is_staff]
    query = select(Ticket)
    if roles:
        lineages = await session.execute(
            select(Node.lineage).where(col(Node.id).in_([r.node_id for r in roles]))
        )
        covered = select(Node.id).where(
            or_(*(col(Node.lineage).startswith(lin) for lin in lineages.scalars()))
        )
        query = query.where(
            or_(col(Ticket.node_id).in_(covered), col(Ticket.handling_node_id).in_(covered))
        )
    else:
        query = query.where(Ticket.reporter_user_id == user_id)
    open_first = col(Ticket.status).in_(list(OPEN_STATUSES)).desc()
    result = await session.execute(query.order_by(open_first, col(Ticket.id).desc()).limit(limit))
    return list(result.scalars())
