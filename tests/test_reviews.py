"""可能需要关注 on a real database (SQLite and PostgreSQL): a message the classifier is unsure of
becomes a review for the grid's staff, not a ticket; staff open it as a ticket (in the guessed
or another category), ignore it, or mark it 误报; unanswered, it climbs the tree."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from core.vocabulary import Category, Decision, EventKind, Priority, ReviewStatus, TicketStatus
from handlers.notices import Notifier
from models.access import Refused
from models.outgoing import OutgoingMessage
from models.reviews import ClassifierMark, Review
from models.tree_service import node_by_code
from stats.breakdown import build_report
from stats.period import days_period
from stats.present import figures_dict, report_text
from tests.support.scripted_classifier import ScriptedClassifier, unsure
from tests.test_ticket_workflow import (
    BEIJING,
    CHAT,
    COMMUNITY1,
    DISTRICT,
    GRID1,
    MISSING,
    NAMES,
    NEIGHBOUR,
    NOW,
    RESIDENT,
    STRANGER,
    TOWN1,
    W1,
    W2,
    World,
    build_world,
)
from tickets.events import Notice, NotifyReview, NotifyStaff, ReviewReason, StaffReason
from tickets.opening import Opening, Outcome, Report, report_message
from tickets.review_decisions import Converted, convert_review, false_alarm_review
from tickets.reviews import ignore_review, sweep_reviews

WHEREABOUTS = "有谁见过我家老爷子吗，早上出门到现在没消息，电话13812345678"
BANTER = "我又走丢了哈哈，这小区太绕了"
CLAIM = timedelta(minutes=5)  # the urgent claim deadline: a review's time to be answered

SCRIPT = ScriptedClassifier(
    {
        WHEREABOUTS: unsure(Category.MISSING_PERSON),
        BANTER: unsure(Category.MISSING_PERSON, action=Decision.IGNORE, confidence=0.1),
    }
)


@pytest.fixture
async def world(session_factory: async_sessionmaker[AsyncSession]) -> World:
    return await build_world(session_factory)


async def say(
    world: World, text: str, explicit: bool = False, user: int = RESIDENT, now: datetime = NOW
) -> Opening:
    name = NAMES.get(user, "居民")
    report = Report(CHAT, user, name, text, message_id=100, explicit=explicit)
    async with world.session() as s:
        return await report_message(s, report, SCRIPT.classify(text), world.policy, now)


async def pending_review(world: World, user: int = RESIDENT) -> Review:
    opening = await say(world, WHEREABOUTS, user=user)
    assert opening.outcome is Outcome.review and opening.review is not None
    return opening.review


async def convert(
    world: World, review: Review, who: int, category: Category | None = None
) -> Converted:
    async with world.session() as s:
        return await convert_review(s, review.id or 0, who, category, world.policy, NOW)


async def stored(world: World, review: Review) -> Review:
    async with world.session() as s:
        fresh = await s.get(Review, review.id)
        assert fresh is not None
        return fresh


async def test_an_unsure_message_becomes_a_review_for_the_grid_worker_and_no_ticket(
    world: World,
) -> None:
    opening = await say(world, WHEREABOUTS)

    assert opening.outcome is Outcome.review and opening.ticket is None
    assert opening.review is not None
    review = await stored(world, opening.review)
    assert (review.category, review.priority, review.status) == (
        Category.MISSING_PERSON,
        Priority.URGENT,
        ReviewStatus.pending,
    )
    assert (review.confidence, review.text, review.source_message_id) == (0.42, WHEREABOUTS, 100)
    assert review.node_id == review.handling_node_id == await world.node_id(GRID1)
    assert review.due_at == NOW + CLAIM
    assert opening.notices == [
        NotifyReview(review.id or 0, (await world.pid(W1),), ReviewReason.new)
    ]
    assert await world.tickets() == []


async def test_a_repeat_by_the_same_resident_joins_their_pending_review_without_a_notice(
    world: World,
) -> None:
    first = await pending_review(world)
    again = await say(world, WHEREABOUTS, now=NOW + timedelta(minutes=3))
    assert again.outcome is Outcome.review and again.notices == []
    assert again.review is not None and again.review.id == first.id
    assert (await stored(world, first)).text == f"{WHEREABOUTS}\n{WHEREABOUTS}"
    neighbour = await pending_review(world, NEIGHBOUR)  # another resident: a review of its own
    assert neighbour.id != first.id


async def test_an_unsure_message_about_a_case_already_open_is_linked_to_that_ticket(
    world: World,
) -> None:
    ticket = await world.open(MISSING)
    opening = await say(world, WHEREABOUTS, user=NEIGHBOUR, now=NOW + timedelta(minutes=1))
    assert opening.outcome is Outcome.linked and opening.ticket is not None
    assert opening.ticket.id == ticket.id and opening.notices == []
    assert (await world.kinds(ticket.id))[-1] is EventKind.linked
    async with world.session() as s:
        assert list((await s.execute(select(Review))).scalars()) == []


async def test_ignore_decides_nothing_and_an_explicit_report_is_always_opened(
    world: World,
) -> None:
    assert (await say(world, BANTER)).outcome is Outcome.not_a_case
    explicit = await say(world, WHEREABOUTS, explicit=True)
    assert explicit.outcome is Outcome.opened
    async with world.session() as s:
        assert list((await s.execute(select(Review))).scalars()) == []


async def test_the_worker_turns_it_into_a_normal_ticket_reported_by_the_resident(
    world: World,
) -> None:
    review = await pending_review(world)
    later = NOW + timedelta(minutes=2)
    async with world.session() as s:
        done = await convert_review(s, review.id or 0, W1, None, world.policy, later)

    ticket = done.opening.ticket
    assert ticket is not None and ticket.id is not None
    fresh = await world.ticket(ticket.id)
    assert (fresh.category, fresh.priority, fresh.status) == (
        Category.MISSING_PERSON,
        Priority.URGENT,
        TicketStatus.new,
    )
    assert (fresh.reporter_user_id, fresh.text, fresh.source_message_id) == (
        RESIDENT,
        WHEREABOUTS,
        100,
    )
    assert fresh.created_at == later and fresh.claim_due_at == later + CLAIM
    assert await world.kinds(ticket.id) == [EventKind.opened, EventKind.routed, EventKind.reviewed]
    assert done.opening.notices[0] == NotifyStaff(
        ticket.id, (await world.pid(W1),), StaffReason.new
    )
    alerted = {n.reason: n.person_ids for n in done.opening.notices if isinstance(n, NotifyStaff)}
    assert await world.pid(COMMUNITY1) in alerted[StaffReason.alert]  # as any missing person
    after = await stored(world, review)
    assert (after.status, after.ticket_id, after.due_at) == (
        ReviewStatus.converted,
        ticket.id,
        None,
    )
    assert after.decided_by_person_id == await world.pid(W1)
    async with world.session() as s:
        assert list((await s.execute(select(ClassifierMark))).scalars()) == []  # guess agreed


async def test_another_category_opens_that_ticket_and_marks_the_guess(world: World) -> None:
    review = await pending_review(world)
    done = await convert(world, review, W1, Category.SAFETY)

    assert done.opening.ticket is not None
    assert done.opening.ticket.category is Category.SAFETY
    async with world.session() as s:
        (mark,) = (await s.execute(select(ClassifierMark))).scalars()
    assert (mark.review_id, mark.ticket_id, mark.text) == (review.id, None, WHEREABOUTS)
    assert (mark.guessed_category, mark.label_category) == (
        Category.MISSING_PERSON,
        Category.SAFETY,
    )
    assert (mark.label_priority, mark.confidence) == (Priority.URGENT, 0.42)


async def test_ignore_and_false_alarm_close_the_review_and_only_the_false_alarm_is_marked(
    world: World,
) -> None:
    first, second = await pending_review(world), await pending_review(world, NEIGHBOUR)
    async with world.session() as s:
        await ignore_review(s, first.id or 0, W1, NOW)
    async with world.session() as s:
        await false_alarm_review(s, second.id or 0, W1, NOW)

    assert (await stored(world, first)).status is ReviewStatus.ignored
    assert (await stored(world, second)).status is ReviewStatus.ignored
    async with world.session() as s:
        (mark,) = (await s.execute(select(ClassifierMark))).scalars()
    assert (mark.review_id, mark.label_category, mark.label_priority) == (
        second.id,
        Category.NONE,
        Priority.NORMAL,
    )
    assert await world.tickets() == []


async def test_a_decided_review_cannot_be_decided_again(world: World) -> None:
    review = await pending_review(world)
    await convert(world, review, W1)
    with pytest.raises(Refused) as refused:
        await convert(world, review, W1)
    assert refused.value.reason == "decided"
    with pytest.raises(Refused):
        async with world.session() as s:
            await ignore_review(s, review.id or 0, W1, NOW)
    assert len(await world.tickets()) == 1


@pytest.mark.parametrize("who", [W2, RESIDENT, 123456])
async def test_only_staff_covering_the_grid_may_act(world: World, who: int) -> None:
    review = await pending_review(world)
    with pytest.raises(Refused) as refused:
        await convert(world, review, who)
    assert refused.value.reason == "forbidden"
    assert (await stored(world, review)).status is ReviewStatus.pending


async def test_staff_above_the_grid_may_act(world: World) -> None:
    review = await pending_review(world)
    async with world.session() as s:
        await ignore_review(s, review.id or 0, TOWN1, NOW)
    assert (await stored(world, review)).status is ReviewStatus.ignored


# --- unanswered: up the tree, like an unclaimed ticket -------------------------------------------


class Published:
    """Records what the sweep asked to publish, and in which (still open) session."""

    def __init__(self) -> None:
        self.notices: list[NotifyReview] = []

    async def __call__(self, notices: list[Notice], now: datetime, session: AsyncSession) -> None:
        assert session.in_transaction()
        self.notices.extend(n for n in notices if isinstance(n, NotifyReview))


async def test_an_unanswered_review_climbs_one_level_per_missed_deadline(world: World) -> None:
    review = await pending_review(world)
    published = Published()

    assert (
        await sweep_reviews(world.db, NOW + CLAIM - timedelta(seconds=1), world.policy, published)
        == 0
    )
    assert await sweep_reviews(world.db, NOW + CLAIM, world.policy, published) == 1
    (up,) = published.notices
    assert up == NotifyReview(
        review.id or 0, (await world.pid(COMMUNITY1),), ReviewReason.escalated, "府前社区"
    )
    moved = await stored(world, review)
    assert (moved.escalation_level, moved.due_at) == (1, NOW + 2 * CLAIM)
    assert moved.handling_node_id == await world.node_id("PG-01-001")

    assert await sweep_reviews(world.db, NOW + CLAIM, world.policy, published) == 0  # once
    assert await sweep_reviews(world.db, NOW + 2 * CLAIM, world.policy, published) == 1
    assert published.notices[-1].person_ids == (await world.pid(TOWN1),)
    await sweep_reviews(world.db, NOW + 3 * CLAIM, world.policy, published)
    assert published.notices[-1].person_ids == (await world.pid(DISTRICT),)
    assert await sweep_reviews(world.db, NOW + 4 * CLAIM, world.policy, published) == 0
    top = await stored(world, review)
    assert (top.escalation_level, top.due_at, top.status) == (3, None, ReviewStatus.pending)


async def test_a_decided_review_is_not_escalated(world: World) -> None:
    review = await pending_review(world)
    async with world.session() as s:
        await ignore_review(s, review.id or 0, W1, NOW)
    published = Published()
    assert await sweep_reviews(world.db, NOW + CLAIM, world.policy, published) == 0
    assert published.notices == []


async def test_the_escalation_notice_is_written_to_the_outbox_with_the_move(world: World) -> None:
    review = await pending_review(world)
    notifier = Notifier(world.db, BEIJING)
    await sweep_reviews(world.db, NOW + CLAIM, world.policy, notifier.publish)

    async with world.session() as s:
        rows = list(
            (await s.execute(select(OutgoingMessage).order_by(col(OutgoingMessage.id)))).scalars()
        )
    (row,) = rows
    assert row.chat_id == COMMUNITY1 and row.ref_id == review.id
    assert row.text is not None and "超时未处理，已上报" in row.text
    assert "138****5678" in row.text and "13812345678" not in row.text
    assert "转为工单" in (row.buttons or "")


# --- /stats --------------------------------------------------------------------------------------


async def test_stats_count_reviews_by_outcome_and_those_that_climbed(world: World) -> None:
    converted, ignored, _unanswered = [
        await pending_review(world, user) for user in (RESIDENT, NEIGHBOUR, STRANGER)
    ]
    await convert(world, converted, W1)
    async with world.session() as s:
        await ignore_review(s, ignored.id or 0, W1, NOW)
    await sweep_reviews(world.db, NOW + CLAIM, world.policy, Published())

    async with world.session() as s:
        district = await node_by_code(s, "PG")
        town = await node_by_code(s, "PG-02")
        assert district is not None and town is not None
        period = days_period(NOW.date(), NOW.date(), BEIJING)
        report = await build_report(s, district, period)
        elsewhere = await build_report(s, town, period)

    total = report.total
    assert total.reviews == {
        ReviewStatus.converted: 1,
        ReviewStatus.ignored: 1,
        ReviewStatus.pending: 1,
    }
    assert total.reviews_escalated == 1
    assert figures_dict(total)["reviews"] == {"pending": 1, "converted": 1, "ignored": 1}
    assert "可能需要关注 3 条：待核实 1、已转工单 1、已忽略 1；超时上报 1 条" in report_text(
        report
    )
    assert elsewhere.total.reviews == {} and "可能需要关注" not in report_text(elsewhere)
