"""The reporter agrees that a missing-person alert may show their phone number (同意公开电话)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from broadcasts.service import BroadcastError
from classify.model import Category
from models.access import Refused
from models.alerts import AlertStatus
from models.people import Person
from models.tickets import EventKind, Ticket
from tickets.alert_facts import AlertTexts, reporter_phones
from tickets.alerts import AlertDone, AlertRefusal, alert_of, reissue
from tickets.history import record


async def agree_to_show_phone(
    session: AsyncSession, number: int, user_id: int, texts: AlertTexts, now: datetime
) -> AlertDone:
    """Only the reporter may agree; an alert already out is edited to add the number."""
    ticket = await session.get(Ticket, number)
    if ticket is None:
        raise Refused(AlertRefusal.unknown, number=number)
    if ticket.reporter_user_id != user_id:
        raise Refused(AlertRefusal.not_reporter, number=ticket.id)
    if ticket.category != Category.MISSING_PERSON:
        raise Refused(AlertRefusal.not_missing, number=ticket.id)
    if not reporter_phones(ticket):
        raise Refused(AlertRefusal.no_phone, number=ticket.id)
    alert = await alert_of(session, ticket)
    if ticket.contact_public:
        return AlertDone(ticket, alert, fresh=False)
    if alert is not None and alert.status is AlertStatus.found:
        raise Refused(AlertRefusal.found, number=ticket.id)
    try:
        async with session.begin_nested():  # a refused edit leaves no trace
            ticket.contact_public = True
            record(
                session, ticket, EventKind.noted, now, actor_user_id=user_id, text="同意公开电话"
            )
            await session.flush()
            if alert is None:
                return AlertDone(ticket, None)
            by = await session.get(Person, alert.confirmed_by) if alert.confirmed_by else None
            return await reissue(session, ticket, alert, by, texts, now)
    except BroadcastError as error:
        raise Refused(AlertRefusal.too_long, number=ticket.id) from error


def offers_phone_consent(ticket: Ticket) -> bool:
    """The group reply asks the reporter about their phone: a missing person, a number given."""
    return (
        ticket.category == Category.MISSING_PERSON
        and not ticket.contact_public
        and bool(reporter_phones(ticket))
    )
