"""Tickets nobody could be told of, handed to staff when they open the private chat (/start).

A ticket waits when it is unclaimed (new or reopened) and no staff notice about it is pending,
being sent or sent: every staff member it was routed to had no private chat with the bot, or
refused it. Staff covering the ticket's node who then send /start are sent each such ticket, in
the transaction of their /start; the notice written is what makes it no longer wait.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from models.access import Actor
from models.outgoing import OutgoingMessage, OutStatus
from models.tickets import EventKind, Ticket, TicketStatus
from models.tree import Node
from tickets.delivery import TICKET_STAFF
from tickets.events import Notice, NotifyStaff, StaffReason
from tickets.history import record

WAITING_NOTE = "此前没有工作人员收到这张工单的通知（未开通私聊）"
LIMIT = 20


async def waiting_for(session: AsyncSession, actor: Actor, limit: int = LIMIT) -> list[Ticket]:
    """Unclaimed tickets in the actor's staff subtrees that nobody has been told of, oldest
    first."""
    covering = actor.nodes()
    if not covering or actor.person is None:
        return []
    covered = select(Node.id).where(
        or_(*(col(Node.lineage).startswith(node.lineage) for node in covering))
    )
    told = exists().where(
        col(OutgoingMessage.purpose) == TICKET_STAFF,
        col(OutgoingMessage.ref_id) == Ticket.id,
        col(OutgoingMessage.status) != OutStatus.failed,
    )
    result = await session.execute(
        select(Ticket)
        .where(
            col(Ticket.status).in_([TicketStatus.new, TicketStatus.reopened]),
            col(Ticket.node_id).in_(covered),
            ~told,
        )
        .order_by(col(Ticket.id))
        .limit(limit)
    )
    return list(result.scalars())


async def hand_waiting(session: AsyncSession, actor: Actor, now: datetime) -> list[Notice]:
    """Staff who just opened the private chat are sent every ticket waiting for them; each
    ticket's history says who was told."""
    person = actor.person
    if person is None or person.id is None:
        return []
    notices: list[Notice] = []
    for ticket in await waiting_for(session, actor):
        assert ticket.id is not None
        record(session, ticket, EventKind.routed, now, text=person.name)
        notices.append(NotifyStaff(ticket.id, (person.id,), StaffReason.new, WAITING_NOTE))
    await session.flush()
    return notices
