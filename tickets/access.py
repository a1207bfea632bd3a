"""Which tickets a staff member may act on and see: those of the nodes their roles cover
(models/access.py), on the ticket's grid or on the node now handling it."""

from __future__ import annotations

import enum

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, or_, select

from core.vocabulary import OPEN_STATUSES
from models.access import Actor, Refused, acting
from models.people import Person
from models.tickets import Ticket
from models.tree import Node


class Refusal(enum.StrEnum):
    """Reason codes of the ticket actions' refusals (models.access.Refused)."""

    unknown = "unknown"  # no such ticket
    forbidden = "forbidden"  # not staff covering the ticket's grid
    closed = "closed"  # the action does not fit the ticket's state


async def ticket_for_staff(
    session: AsyncSession, number: int, who: Actor | int
) -> tuple[Ticket, Person]:
    """The ticket and the acting staff member, whose role must cover the ticket's grid or the
    node now handling it (a ticket transferred to another grid is that grid's to work on)."""
    actor = await acting(session, who)
    ticket = await session.get(Ticket, number)
    if ticket is None:
        raise Refused(Refusal.unknown, number=number)
    for node_id in dict.fromkeys((ticket.node_id, ticket.handling_node_id)):
        node = await session.get(Node, node_id)
        if node is not None and actor.covers(node) and actor.person is not None:
            return ticket, actor.person
    raise Refused(Refusal.forbidden, number=number)


async def tickets_visible_to(
    session: AsyncSession, who: Actor | int, limit: int = 20
) -> list[Ticket]:
    """Staff: tickets from or handled in their subtrees; residents: their own. Open first,
    newest first."""
    actor = await acting(session, who)
    query = select(Ticket)
    covering = actor.nodes()
    if covering:
        covered = select(Node.id).where(
            or_(*(col(Node.lineage).startswith(node.lineage) for node in covering))
        )
        query = query.where(
            or_(col(Ticket.node_id).in_(covered), col(Ticket.handling_node_id).in_(covered))
        )
    else:
        query = query.where(Ticket.reporter_user_id == actor.user_id)
    open_first = col(Ticket.status).in_(list(OPEN_STATUSES)).desc()
    result = await session.execute(query.order_by(open_first, col(Ticket.id).desc()).limit(limit))
    return list(result.scalars())
