"""The ticket event log: every change is written here, in the same transaction as the change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from models.people import Person
from models.tickets import EventKind, Ticket, TicketEvent


def record(
    session: AsyncSession,
    ticket: Ticket,
    kind: EventKind,
    at: datetime,
    *,
    actor: Person | None = None,
    actor_user_id: int | None = None,
    node_id: int | None = None,
    text: str = "",
) -> TicketEvent:
    assert ticket.id is not None, "flush the ticket before logging events on it"
    event = TicketEvent(
        ticket_id=ticket.id,
        at=at,
        kind=kind,
        actor_person_id=actor.id if actor else None,
        actor_user_id=actor_user_id
        if actor_user_id is not None
        else (actor.telegram_user_id if actor else None),
        node_id=node_id if node_id is not None else ticket.handling_node_id,
        text=text,
    )
    session.add(event)
    if ticket.updated_at is None or ticket.updated_at < at:
        ticket.updated_at = at
    return event


async def history(session: AsyncSession, ticket_id: int) -> list[tuple[TicketEvent, str]]:
    """The ticket's events in order, each with the actor's name ('' for the system).

    Staff are named from their records; the reporter, who usually has none, by the name they
    reported under. Other residents (linked reports) are named in the event text."""
    ticket = await session.get(Ticket, ticket_id)
    result = await session.execute(
        select(TicketEvent, Person.name)
        .outerjoin(Person, col(Person.id) == TicketEvent.actor_person_id)
        .where(TicketEvent.ticket_id == ticket_id)
        .order_by(col(TicketEvent.at), col(TicketEvent.id))
    )

    def named(event: TicketEvent, name: str | None) -> str:
        if name:
            return name
        if ticket is not None and event.actor_user_id == ticket.reporter_user_id:
            return ticket.reporter_name
        return ""

    return [(event, named(event, name)) for event, name in result.all()]
