"""寻人联动: staff confirm a missing-person ticket into an urgent, pinned alert to every group of
the town (or community / district); updates and the 已找到 news edit every copy already sent.

Each function queues a broadcast (`AlertDone.broadcast`) and leaves the commit to the caller,
who then wakes the broadcast engine. Who may act: staff covering the ticket (tickets/access.py).
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from broadcasts.service import BroadcastError, create_broadcast, create_edit
from classify.model import Category
from models.access import Actor, Refused
from models.alerts import AlertStatus, MissingAlert
from models.broadcasts import Broadcast, BroadcastKind, BroadcastPriority, EditMode
from models.people import Person
from models.tickets import EventKind, Ticket, TicketStatus
from models.totals_write import counting
from models.tree import Level, Node
from models.tree_service import ancestors_and_self
from tickets.access import ticket_for_staff
from tickets.alert_facts import AlertTexts, alert_facts, alert_root
from tickets.events import GroupUpdate, Notice, TellGroup
from tickets.history import record

FOUND = "已找到"


class AlertRefusal(enum.StrEnum):
    unknown = "unknown"  # no such ticket
    forbidden = "forbidden"  # not staff covering the ticket
    not_missing = "not_missing"  # not a missing_person ticket
    closed = "closed"  # ticket already done, and no alert was ever sent
    found = "found"  # the person has been found already
    no_alert = "no_alert"  # an update before the alert was confirmed
    not_reporter = "not_reporter"  # consent pressed by someone else
    no_phone = "no_phone"  # consent, but the report has no phone number
    too_long = "too_long"  # the updated alert no longer fits the messages already sent


@dataclass
class AlertDone:
    ticket: Ticket
    alert: MissingAlert | None
    broadcast: Broadcast | None = None  # queued now: commit, then wake the engine
    fresh: bool = True  # False: nothing changed (confirmed or agreed before)
    notices: list[Notice] = field(default_factory=list)


async def confirm_alert(
    session: AsyncSession,
    number: int,
    who: Actor | int,
    level: Level,
    texts: AlertTexts,
    now: datetime,
) -> AlertDone:
    """Publish the alert once; a second confirmation changes nothing (`fresh` False)."""
    ticket, person = await _staff_ticket(session, number, who)
    existing = await alert_of(session, ticket)
    if existing is not None:
        return _already(ticket, existing)
    if not ticket.status.is_open:
        raise Refused(AlertRefusal.closed, number=ticket.id)
    node = await session.get(Node, ticket.node_id)
    assert node is not None and ticket.id is not None and node.id is not None
    root = alert_root(await ancestors_and_self(session, node), level)
    text = texts.alert(await alert_facts(session, ticket, person))
    alert = MissingAlert(
        ticket_id=ticket.id,
        node_id=root.id or node.id,
        text=text,
        confirmed_by=person.id,
        confirmed_at=now,
    )
    try:
        async with session.begin_nested():  # a concurrent confirmation loses here, cleanly
            session.add(alert)
            await session.flush()
    except IntegrityError:
        existing = await alert_of(session, ticket)
        assert existing is not None
        return _already(ticket, existing)
    photos = ticket_photos(ticket)
    broadcast = await create_broadcast(
        session,
        node_id=alert.node_id,
        text=text,
        photo=photos[0] if photos else None,
        pin=True,
        priority=BroadcastPriority.urgent,
        kind=BroadcastKind.alert,
        ticket_id=ticket.id,
        created_by=person.id,
        now=now,
    )
    alert.broadcast_id = broadcast.id
    async with counting(session, ticket.id):
        _claim(session, ticket, person, now)
    record(
        session,
        ticket,
        EventKind.alert_confirmed,
        now,
        actor=person,
        node_id=alert.node_id,
        text=root.name,
    )
    await session.flush()
    return AlertDone(ticket, alert, broadcast)


async def update_alert(
    session: AsyncSession,
    number: int,
    who: Actor | int,
    news: str,
    texts: AlertTexts,
    now: datetime,
) -> AlertDone:
    """Add 最新情况 to the alert and edit every copy already sent."""
    ticket, person = await _staff_ticket(session, number, who)
    alert = await _active_alert(session, ticket)
    try:
        async with session.begin_nested():  # a refused edit leaves no trace
            record(session, ticket, EventKind.alert_updated, now, actor=person, text=news)
            await session.flush()
            return await reissue(session, ticket, alert, person, texts, now)
    except BroadcastError as error:
        raise Refused(AlertRefusal.too_long, number=ticket.id) from error


async def mark_found(
    session: AsyncSession,
    number: int,
    who: Actor | int,
    note: str,
    texts: AlertTexts,
    now: datetime,
) -> AlertDone:
    """Resolve the ticket as found, record the time it took, edit every copy to 已找到."""
    ticket, person = await _staff_ticket(session, number, who)
    alert = await alert_of(session, ticket)
    if alert is not None and alert.status is AlertStatus.found:
        raise Refused(AlertRefusal.found, number=ticket.id)
    if alert is None and not ticket.status.is_open:
        raise Refused(AlertRefusal.closed, number=ticket.id)
    note = note.strip() or FOUND
    seconds = max(0, int((now - ticket.created_at).total_seconds()))
    async with counting(session, ticket.id):
        _resolve_found(ticket, person, note, now)
        record(session, ticket, EventKind.found, now, actor=person, text=note)
    assert ticket.id is not None and person.id is not None
    done = AlertDone(ticket, alert)
    if alert is not None:
        alert.status, alert.found_by, alert.found_at = AlertStatus.found, person.id, now
        alert.found_seconds = seconds
        facts = (await alert_facts(session, ticket, person)).as_found(now, seconds, note)
        alert.text = texts.found(facts)
        done.broadcast = await _edit(session, alert, EditMode.found, person, now)
    done.notices.append(TellGroup(ticket.id, GroupUpdate.found, (person.id,), note))
    await session.flush()
    return done


def _resolve_found(ticket: Ticket, person: Person, note: str, now: datetime) -> None:
    if ticket.status.is_open:
        ticket.status, ticket.resolved_at, ticket.resolution = TicketStatus.resolved, now, note
        ticket.assignee_person_id = ticket.assignee_person_id or person.id
        ticket.claimed_at = ticket.claimed_at or now
        ticket.claim_due_at = ticket.resolve_due_at = None


async def alert_of(session: AsyncSession, ticket: Ticket) -> MissingAlert | None:
    result = await session.execute(select(MissingAlert).where(MissingAlert.ticket_id == ticket.id))
    return result.scalar_one_or_none()


def ticket_photos(ticket: Ticket) -> list[str]:
    return [str(p) for p in json.loads(ticket.photos or "[]")]


async def _staff_ticket(
    session: AsyncSession, number: int, who: Actor | int
) -> tuple[Ticket, Person]:
    """Refused as `unknown` or `forbidden` by the ticket rules, else a missing-person ticket."""
    ticket, person = await ticket_for_staff(session, number, who)
    if ticket.category != Category.MISSING_PERSON.value:
        raise Refused(AlertRefusal.not_missing, number=ticket.id)
    return ticket, person


async def _active_alert(session: AsyncSession, ticket: Ticket) -> MissingAlert:
    alert = await alert_of(session, ticket)
    if alert is None:
        raise Refused(AlertRefusal.no_alert, number=ticket.id)
    if alert.status is AlertStatus.found:
        raise Refused(AlertRefusal.found, number=ticket.id)
    return alert


def _already(ticket: Ticket, alert: MissingAlert) -> AlertDone:
    if alert.status is AlertStatus.found:
        raise Refused(AlertRefusal.found, number=ticket.id)
    return AlertDone(ticket, alert, fresh=False)


async def reissue(
    session: AsyncSession,
    ticket: Ticket,
    alert: MissingAlert,
    person: Person | None,
    texts: AlertTexts,
    now: datetime,
) -> AlertDone:
    """Re-word the live alert from the ticket as it is now and edit every copy to match."""
    alert.text = texts.alert(await alert_facts(session, ticket, person))
    alert.updated_at = now
    edit = await _edit(session, alert, EditMode.update, person, now)
    await session.flush()
    return AlertDone(ticket, alert, edit)


async def _edit(
    session: AsyncSession,
    alert: MissingAlert,
    mode: EditMode,
    person: Person | None,
    now: datetime,
) -> Broadcast | None:
    if alert.broadcast_id is None:
        return None
    return await create_edit(
        session,
        source_id=alert.broadcast_id,
        text=alert.text,
        mode=mode,
        created_by=person.id if person else None,
        now=now,
    )


def _claim(session: AsyncSession, ticket: Ticket, person: Person, now: datetime) -> None:
    """Confirming the alert is taking the case: the claim deadline no longer applies."""
    if ticket.status not in (TicketStatus.new, TicketStatus.reopened):
        return
    ticket.status, ticket.assignee_person_id = TicketStatus.claimed, person.id
    ticket.claimed_at, ticket.claim_due_at = ticket.claimed_at or now, None
    record(session, ticket, EventKind.claimed, now, actor=person)
