"""可能需要关注: a message the classifier is unsure of goes quietly to the grid's staff (no reply
in the group); they open a ticket, pick another category, or ignore it. Unanswered for the
urgent claim deadline, it climbs the tree like an unclaimed ticket."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from classify.model import Classification
from core.vocabulary import Priority, ReviewStatus
from models.access import Actor, Refused, acting
from models.people import Person
from models.reviews import Review
from models.tree import Node
from tickets.events import Notice, NotifyReview, ReviewReason
from tickets.policy import TicketPolicy
from tickets.routing import parent_with_staff, route_from, staff_at

if TYPE_CHECKING:
    from tickets.opening import Report

Publish = Callable[[list[Notice], datetime, AsyncSession], Awaitable[None]]


async def open_review(
    session: AsyncSession,
    report: Report,
    found: Classification,
    group_id: int,
    node: Node,
    policy: TicketPolicy,
    now: datetime,
) -> tuple[Review, list[Notice]]:
    """Store the review and ask the staff who would handle a ticket from `node` to look. The
    reporter's repeat (same group and guess, within the duplicate window, still pending) is
    added to their review without a second notice."""
    earlier = await _pending_repeat(
        session, report, found, group_id, now - policy.duplicate_window
    )
    if earlier is not None:
        earlier.text = f"{earlier.text}\n{report.text}"
        await session.flush()
        return earlier, []
    route = await route_from(session, node)
    assert node.id is not None and route.node.id is not None
    review = Review(
        category=found.category,
        priority=found.priority,
        confidence=found.confidence,
        text=report.text,
        details=json.dumps(found.details.to_json_dict(), ensure_ascii=False),
        photos=json.dumps(list(report.photos)),
        reporter_user_id=report.reporter_user_id,
        reporter_name=report.reporter_name,
        group_id=group_id,
        source_message_id=report.message_id,
        node_id=node.id,
        handling_node_id=route.node.id,
        created_at=now,
        due_at=now + policy.deadline(found.category, Priority.URGENT).claim,
    )
    session.add(review)
    await session.flush()
    assert review.id is not None
    told = tuple(p.id for p in route.recipients if p.id is not None)
    return review, [NotifyReview(review.id, told, ReviewReason.new)]


async def _pending_repeat(
    session: AsyncSession, report: Report, found: Classification, group_id: int, since: datetime
) -> Review | None:
    result = await session.execute(
        select(Review)
        .where(
            col(Review.status) == ReviewStatus.pending,
            col(Review.group_id) == group_id,
            col(Review.reporter_user_id) == report.reporter_user_id,
            col(Review.category) == found.category,
            col(Review.created_at) >= since,
        )
        .order_by(col(Review.id).desc())
        .limit(1)
    )
    return result.scalar_one_or_none()


async def review_for_staff(
    session: AsyncSession, review_id: int, who: Actor | int
) -> tuple[Review, Person]:
    """The review and the acting staff member, whose role covers the message's grid or the
    node the review has climbed to. Refused: unknown, forbidden."""
    actor = await acting(session, who)
    review = await session.get(Review, review_id)
    if review is None:
        raise Refused("unknown", number=review_id)
    for node_id in dict.fromkeys((review.node_id, review.handling_node_id)):
        node = await session.get(Node, node_id)
        if node is not None and actor.covers(node) and actor.person is not None:
            return review, actor.person
    raise Refused("forbidden", number=review_id)


def require_pending(review: Review) -> None:
    """Someone decided already (another worker, or a second tap): nothing happens twice."""
    if review.status is not ReviewStatus.pending:
        raise Refused("decided", number=review.id, status=review.status.label)


def decide(review: Review, status: ReviewStatus, person: Person, now: datetime) -> None:
    review.status, review.decided_at, review.decided_by_person_id = status, now, person.id
    review.due_at = None


async def ignore_review(
    session: AsyncSession, review_id: int, who: Actor | int, now: datetime
) -> tuple[Review, Person]:
    """忽略: the review is closed; nothing is said in the group."""
    review, person = await review_for_staff(session, review_id, who)
    require_pending(review)
    decide(review, ReviewStatus.ignored, person, now)
    await session.flush()
    return review, person


async def escalate_review(
    session: AsyncSession, review: Review, now: datetime, policy: TicketPolicy
) -> list[Notice]:
    """Move an unanswered review to the next level with staff; [] at the top of the tree or
    when another sweeper moved it meanwhile."""
    current = await session.get(Node, review.handling_node_id)
    upper = await parent_with_staff(session, current) if current else None
    if upper is None or upper.id is None or review.id is None:
        return []
    result = await session.execute(
        update(Review)
        .where(
            col(Review.id) == review.id,
            col(Review.status) == ReviewStatus.pending,
            col(Review.escalation_level) == review.escalation_level,
        )
        .values(
            handling_node_id=upper.id,
            escalation_level=review.escalation_level + 1,
            due_at=now + policy.deadline(review.category, Priority.URGENT).claim,
        )
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 1) == 0:
        return []
    await session.refresh(review)
    told = tuple(p.id for p in await staff_at(session, upper) if p.id is not None)
    return [NotifyReview(review.id, told, ReviewReason.escalated, upper.name)]


async def sweep_reviews(
    factory: async_sessionmaker[AsyncSession],
    now: datetime,
    policy: TicketPolicy,
    publish: Publish,
) -> int:
    """Escalate every review past its deadline, one transaction each, its notices written to
    the outbox in that same transaction; returns how many moved."""
    async with factory() as session:
        due = list(
            (
                await session.execute(
                    select(Review.id).where(
                        col(Review.status) == ReviewStatus.pending, col(Review.due_at) <= now
                    )
                )
            ).scalars()
        )
    moved = 0
    for review_id in due:
        async with factory() as session, session.begin():
            review = await session.get(Review, review_id)
            if review is None or review.status is not ReviewStatus.pending:
                continue
            if review.due_at is None or review.due_at > now:
                continue
            notices = await escalate_review(session, review, now, policy)
            if notices:
                moved += 1
                await publish(notices, now, session)
            else:
                # At the top: stop the clock so it is not swept again. Guarded: [] also means
                # another sweeper moved it meanwhile, and its new deadline must stay.
                await session.execute(
                    update(Review)
                    .where(
                        col(Review.id) == review_id,
                        col(Review.status) == ReviewStatus.pending,
                        col(Review.escalation_level) == review.escalation_level,
                    )
                    .values(due_at=None)
                    .execution_options(synchronize_session=False)
                )
    return moved
