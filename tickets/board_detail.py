"""One ticket as the console's detail page shows it: where it is, its full history, photos and
rating, the resident masked; only to staff who may act on it (tickets/access.py), so the page
of another subtree's ticket answers 403 and an unknown number 404."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from classify.extract import mask_phones
from core.names import masked_name
from core.vocabulary import EventKind, Rating
from models.access import Actor, Refused
from models.people import Person
from tickets.access import Refusal, ticket_for_staff
from tickets.board_page import BoardRow, board_rows
from tickets.history import history


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    kind: EventKind
    who: str  # staff by name, the resident masked (王**), '' for the system
    text: str


@dataclass(frozen=True)
class TicketDetail:
    row: BoardRow
    text: str
    resident: str
    photos: tuple[str, ...]  # Telegram file ids, the report's first, then the result's
    assignee: str
    escalation_level: int
    claimed_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    resolution: str
    rating: Rating | None
    rated_at: datetime | None
    history: list[HistoryLine]


async def may_see(session: AsyncSession, who: Actor, number: int) -> bool:
    """Whether the actor may open the ticket's page (and act on it): the chat's rule."""
    try:
        await ticket_for_staff(session, number, who)
    except Refused:
        return False
    return True


async def ticket_detail(
    session: AsyncSession, number: int, who: Actor, now: datetime, *, masked: bool = True
) -> TicketDetail:
    """The ticket's page; Refused(unknown) or Refused(forbidden) as the chat refuses it.
    `masked` hides phone numbers and the resident's name (off for `[stats] unmasked_roles`)."""
    ticket, _person = await ticket_for_staff(session, number, who)
    assert ticket.id is not None
    rows = await board_rows(session, [ticket.id], now)
    if not rows:
        raise Refused(Refusal.unknown, number=number)
    hide = mask_phones if masked else str
    assignee = (
        await session.get(Person, ticket.assignee_person_id) if ticket.assignee_person_id else None
    )
    lines = [
        HistoryLine(
            event.at,
            event.kind,
            masked_name(name) if masked and name and event.actor_person_id is None else name,
            hide(event.text),
        )
        for event, name in await history(session, ticket.id)
    ]
    return TicketDetail(
        row=rows[0],
        text=hide(ticket.text),
        resident=masked_name(ticket.reporter_name) if masked else ticket.reporter_name,
        photos=tuple(str(p) for p in json.loads(ticket.photos or "[]")),
        assignee=assignee.name if assignee else "",
        escalation_level=ticket.escalation_level,
        claimed_at=ticket.claimed_at,
        resolved_at=ticket.resolved_at,
        closed_at=ticket.closed_at,
        resolution=hide(ticket.resolution or ""),
        rating=ticket.rating,
        rated_at=ticket.rated_at,
        history=lines,
    )
