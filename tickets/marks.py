"""Staff correct the classifier: 误报 or 改为 X on a ticket (or a review). Each mark is stored
with the message and the guess, for people to review and add to the corpus
(`gridbot classify export-marks`).

What a mark does to a ticket that is still open:
- 误报: the ticket is closed (status 已关闭, an event 误报, no deadlines left, no rating asked)
  and the group is told in one line, so the reporter does not wait for a visit;
- 改为 X: the ticket's category becomes X (an event 改类别 报修→安全隐患); a missing person
  becomes urgent. Deadlines already running stay.
On a ticket already resolved or closed only the mark is stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from core.vocabulary import Category, EventKind, Priority, TicketStatus
from models.access import Actor, Refused
from models.people import Person
from models.reviews import ClassifierMark, Review
from models.tickets import Ticket
from models.totals_write import counting
from tickets.access import ticket_for_staff
from tickets.events import GroupUpdate, Notice, TellGroup
from tickets.history import record
from tickets.policy import TicketPolicy


@dataclass
class Marked:
    ticket: Ticket
    person: Person
    mark: ClassifierMark
    changed: bool  # the ticket itself was closed or recategorised
    notices: list[Notice] = field(default_factory=list)


async def store_mark(
    session: AsyncSession,
    person: Person,
    now: datetime,
    *,
    label: Category,
    priority: Priority,
    ticket: Ticket | None = None,
    review: Review | None = None,
) -> ClassifierMark:
    """One mark per ticket or review: a later mark replaces the label, keeping the guess."""
    source = ClassifierMark.ticket_id if ticket is not None else ClassifierMark.review_id
    key = ticket.id if ticket is not None else review.id if review is not None else None
    assert key is not None and person.id is not None
    found = await session.execute(select(ClassifierMark).where(col(source) == key))
    mark = found.scalar_one_or_none()
    if mark is None:
        guess = ticket if ticket is not None else review
        assert guess is not None
        mark = ClassifierMark(
            ticket_id=ticket.id if ticket is not None else None,
            review_id=review.id if review is not None else None,
            text=guess.text,
            guessed_category=guess.category,
            guessed_priority=guess.priority,
            confidence=review.confidence if review is not None else None,
            label_category=label,
            label_priority=priority,
            person_id=person.id,
            at=now,
        )
        session.add(mark)
    else:
        mark.label_category, mark.label_priority = label, priority
        mark.person_id, mark.at = person.id, now
    return mark


async def _guessed_priority(session: AsyncSession, ticket: Ticket) -> Priority:
    """The classifier's priority for the ticket: from an earlier mark, else the ticket's."""
    result = await session.execute(
        select(ClassifierMark).where(col(ClassifierMark.ticket_id) == ticket.id)
    )
    earlier = result.scalar_one_or_none()
    return earlier.guessed_priority if earlier is not None else ticket.priority


async def mark_ticket(
    session: AsyncSession,
    number: int,
    who: Actor | int,
    label: Category,
    now: datetime,
    policy: TicketPolicy,
) -> Marked:
    """误报 (`label` none) or 改为 `label`. Refused: unknown, forbidden, same (its category)."""
    ticket, person = await ticket_for_staff(session, number, who)
    if label is ticket.category:
        raise Refused("same", number=number, category=label.label)
    priority = label_priority(label, await _guessed_priority(session, ticket))
    mark = await store_mark(session, person, now, ticket=ticket, label=label, priority=priority)
    changed = ticket.status.is_open
    async with counting(session, ticket.id):
        notices = _apply_mark(session, ticket, person, label, changed, now, policy)
        await session.flush()
    return Marked(ticket, person, mark, changed, notices)


def _apply_mark(
    session: AsyncSession,
    ticket: Ticket,
    person: Person,
    label: Category,
    changed: bool,
    now: datetime,
    policy: TicketPolicy,
) -> list[Notice]:
    """Close an open ticket as 误报, or give it the category `label`."""
    notices: list[Notice] = []
    if changed and label is Category.NONE:
        ticket.status, ticket.closed_at = TicketStatus.closed, now
        ticket.claim_due_at = ticket.resolve_due_at = ticket.feedback_due_at = None
        record(session, ticket, EventKind.false_alarm, now, actor=person)
        assert ticket.id is not None and person.id is not None
        if policy.progress_to_group:
            notices.append(TellGroup(ticket.id, GroupUpdate.false_alarm, (person.id,)))
    elif changed:
        text = f"{ticket.category.label}→{label.label}"
        ticket.category = label
        if label is Category.MISSING_PERSON:
            ticket.priority = Priority.URGENT
        record(session, ticket, EventKind.recategorised, now, actor=person, text=text)
    return notices


def label_priority(label: Category, guessed: Priority) -> Priority:
    """The priority a staff label implies: a missing person is always urgent, chatter normal,
    any other category keeps the classifier's priority."""
    if label is Category.MISSING_PERSON:
        return Priority.URGENT
    if label is Category.NONE:
        return Priority.NORMAL
    return guessed


async def marks_since(session: AsyncSession, since: datetime | None) -> list[ClassifierMark]:
    """Every mark (from `since` on), oldest first."""
    query = select(ClassifierMark)
    if since is not None:
        query = query.where(col(ClassifierMark.at) >= since)
    result = await session.execute(query.order_by(col(ClassifierMark.at), col(ClassifierMark.id)))
    return list(result.scalars())
