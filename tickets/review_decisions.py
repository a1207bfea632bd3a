"""转为工单 and 改为其他类别 on a review: a normal ticket, reported by the resident who wrote the
message, opened now and routed as any other (the group is told then); 误报: closed and marked."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from classify.model import Classification, Details
from core.vocabulary import Category, EventKind, Priority, ReviewStatus
from models.access import Actor, Refused
from models.groups import Group
from models.people import Person
from models.reviews import Review
from models.tree import Node
from tickets.history import record
from tickets.marks import label_priority, store_mark
from tickets.opening import Opening, Report, open_new
from tickets.policy import TicketPolicy
from tickets.reviews import decide, require_pending, review_for_staff


@dataclass
class Converted:
    review: Review
    person: Person
    opening: Opening
    group: Group


def _details(review: Review) -> Details:
    stored = json.loads(review.details or "{}")
    return Details(**{key: tuple(values) for key, values in stored.items()})


async def convert_review(
    session: AsyncSession,
    review_id: int,
    who: Actor | int,
    category: Category | None,
    policy: TicketPolicy,
    now: datetime,
) -> Converted:
    """Open the ticket: in the guessed category, or in `category` (改为 X, which is also stored
    as a mark on the classifier's guess). Refused: unknown, forbidden, decided, no_group."""
    review, person = await review_for_staff(session, review_id, who)
    require_pending(review)
    chosen = category or review.category
    if chosen is Category.NONE:
        raise Refused("category", number=review_id)
    group = await session.get(Group, review.group_id)
    node = await session.get(Node, review.node_id)
    if group is None or node is None:
        raise Refused("no_group", number=review_id)
    report = Report(
        chat_id=group.chat_id,
        reporter_user_id=review.reporter_user_id,
        reporter_name=review.reporter_name,
        text=review.text,
        message_id=review.source_message_id,
        photos=tuple(json.loads(review.photos or "[]")),
        explicit=True,
    )
    priority = label_priority(chosen, review.priority)
    found = Classification(chosen, priority, details=_details(review))
    opening = await open_new(session, report, found, chosen, group.id or 0, node, policy, now)
    assert opening.ticket is not None
    record(
        session,
        opening.ticket,
        EventKind.reviewed,
        now,
        actor=person,
        text=f"#{review.id}",  # the review it came from
    )
    decide(review, ReviewStatus.converted, person, now)
    review.ticket_id = opening.ticket.id
    if chosen is not review.category:
        await store_mark(session, person, now, review=review, label=chosen, priority=priority)
    await session.flush()
    return Converted(review, person, opening, group)


async def false_alarm_review(
    session: AsyncSession, review_id: int, who: Actor | int, now: datetime
) -> tuple[Review, Person]:
    """误报: the review is closed as ignored and the classifier's guess marked as chatter."""
    review, person = await review_for_staff(session, review_id, who)
    require_pending(review)
    decide(review, ReviewStatus.ignored, person, now)
    await store_mark(
        session, person, now, review=review, label=Category.NONE, priority=Priority.NORMAL
    )
    await session.flush()
    return review, person
