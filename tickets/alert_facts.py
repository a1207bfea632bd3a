"""What a missing-person alert says, gathered from the ticket; the bot layer words it.

Pure rules (where the alert goes) and one query-side builder. Nothing here renders text: the
caller passes an `AlertTexts` (tickets/alert_texts.py renders the alert_*.j2 templates).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from classify.extract import mask_phones
from models.people import Person
from models.tickets import EventKind, Ticket, TicketEvent
from models.tree import Level, Node
from models.tree_service import ancestors_and_self, path_text, responsible_workers


@dataclass(frozen=True)
class AlertFacts:
    """Everything an alert may show. `family_phone` is set only if the reporter agreed."""

    ticket_id: int
    description: str  # the resident's words, phone numbers masked
    ages: tuple[str, ...]
    clothing: tuple[str, ...]
    times: tuple[str, ...]
    reported_at: datetime
    place: str
    contact_name: str
    contact_phone: str
    family_phone: str = ""
    updates: tuple[tuple[datetime, str], ...] = ()
    found_at: datetime | None = None
    found_seconds: int | None = None
    found_note: str = ""

    def as_found(self, at: datetime, seconds: int, note: str) -> AlertFacts:
        return replace(self, found_at=at, found_seconds=seconds, found_note=note)


class AlertTexts(Protocol):
    """Words the alert: the full notice, and the 已找到 text every copy is edited to."""

    def alert(self, facts: AlertFacts) -> str: ...

    def found(self, facts: AlertFacts) -> str: ...


def alert_root(path: Sequence[Node], level: Level) -> Node:
    """The node on `path` (root first) at `level`, or the nearest one above it."""
    fitting = [node for node in path if node.level.rank <= level.rank]
    return fitting[-1] if fitting else path[0]


def reporter_phones(ticket: Ticket) -> list[str]:
    """Phone numbers the reporter wrote in the message (digits only)."""
    phones = json.loads(ticket.details or "{}").get("phones", [])
    return [str(p) for p in phones]


async def alert_facts(
    session: AsyncSession, ticket: Ticket, fallback: Person | None
) -> AlertFacts:
    """The alert's content now: ticket text and details, place, contact, staff updates.

    The contact is the grid's worker (the nearest grid worker up the tree), else `fallback`,
    the staff member acting."""
    node = await session.get(Node, ticket.node_id)
    assert node is not None and ticket.id is not None
    workers = await responsible_workers(session, node)
    contact = workers[0] if workers else fallback
    details = json.loads(ticket.details or "{}")
    phones = reporter_phones(ticket)
    updates = await session.execute(
        select(TicketEvent.at, TicketEvent.text)
        .where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind == EventKind.alert_updated)
        .order_by(col(TicketEvent.at), col(TicketEvent.id))
    )
    return AlertFacts(
        ticket_id=ticket.id,
        description=mask_phones(ticket.text),
        ages=tuple(details.get("ages", ())),
        clothing=tuple(details.get("clothing", ())),
        times=tuple(details.get("times", ())),
        reported_at=ticket.created_at,
        place=path_text(await ancestors_and_self(session, node)),
        contact_name=contact.name if contact else "",
        contact_phone=(contact.phone or "") if contact else "",
        family_phone=phones[0] if ticket.contact_public and phones else "",
        updates=tuple((at, text) for at, text in updates.all()),  # staff wrote these
    )
