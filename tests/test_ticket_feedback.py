"""The reporter rates the result, on a real database: close, reopen, or close unrated in time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.vocabulary import Category, Priority
from models.tickets import EventKind, Rating, Ticket, TicketStatus
from tests.test_ticket_workflow import (
    COMMUNITY1,
    LEAK,
    NEIGHBOUR,
    NOW,
    RESIDENT,
    W1,
    World,
    build_world,
)
from tickets import actions
from tickets.escalation import sweep
from tickets.events import GroupUpdate, NotifyStaff, StaffReason, TellGroup
from tickets.feedback import RatingOutcome, rate

RESOLVED_AT = NOW + timedelta(hours=1)


@pytest.fixture
async def world(session_factory: async_sessionmaker[AsyncSession]) -> World:
    return await build_world(session_factory)


async def resolved_leak(world: World) -> Ticket:
    """A leak claimed and resolved by the grid worker, waiting for the reporter's rating."""
    ticket = await world.open(LEAK)
    await world.run(actions.claim, ticket.id, W1, NOW + timedelta(minutes=10), world.policy)
    await world.run(actions.resolve, ticket.id, W1, "已修好", (), RESOLVED_AT, world.policy)
    return await world.ticket(ticket.id)


@pytest.mark.parametrize("rating", [Rating.satisfied, Rating.basically_satisfied])
async def test_a_satisfied_or_basically_satisfied_rating_closes_the_ticket(
    world: World, rating: Rating
) -> None:
    ticket = await resolved_leak(world)
    at = RESOLVED_AT + timedelta(minutes=30)

    rated = await world.run(rate, ticket.id, RESIDENT, rating, at, world.policy)

    assert (rated.outcome, rated.notices) == (RatingOutcome.recorded, [])
    stored = await world.ticket(ticket.id)
    assert (stored.status, stored.rating, stored.rated_at, stored.closed_at) == (
        TicketStatus.closed,
        rating,
        at,
        at,
    )
    assert stored.feedback_due_at is None
    events = await world.events(ticket.id)
    assert [(e.kind, e.text) for e in events[-2:]] == [
        (EventKind.rated, rating.label),
        (EventKind.closed, rating.label),
    ]
    assert events[-2].actor_user_id == RESIDENT


async def test_an_unsatisfied_rating_reopens_and_tells_the_worker_and_the_community(
    world: World,
) -> None:
    ticket = await resolved_leak(world)
    number = ticket.id or 0
    at = RESOLVED_AT + timedelta(hours=2)

    rated = await world.run(rate, number, RESIDENT, Rating.unsatisfied, at, world.policy)

    worker, admin = await world.pid(W1), await world.pid(COMMUNITY1)
    assert rated.outcome is RatingOutcome.recorded
    assert rated.notices == [
        TellGroup(number, GroupUpdate.reopened),
        NotifyStaff(number, (worker,), StaffReason.reopened),
        NotifyStaff(number, (admin,), StaffReason.reopened, "居民不满意，请督办"),
    ]
    stored = await world.ticket(number)
    deadline = world.policy.deadline(Category.REPAIR, Priority.NORMAL)
    assert (stored.status, stored.rating, stored.resolved_at) == (
        TicketStatus.reopened,
        Rating.unsatisfied,
        None,
    )
    assert stored.assignee_person_id == worker
    assert (stored.claim_due_at, stored.resolve_due_at) == (
        at + deadline.claim,
        at + deadline.resolve,
    )
    assert (await world.kinds(number))[-2:] == [EventKind.rated, EventKind.reopened]
    # Back on the clock: not claimed again in time, it goes up to the community.
    notices = await sweep(world.db, at + deadline.claim, world.policy)
    assert NotifyStaff(number, (admin,), StaffReason.escalated, "超时未接单") in notices
    # Claimed again, resolved again, it can be rated again.
    again = at + deadline.claim + timedelta(minutes=5)
    await world.run(actions.claim, number, W1, again, world.policy)
    await world.run(actions.resolve, number, W1, "已彻底修好", (), again, world.policy)
    rated = await world.run(rate, number, RESIDENT, Rating.satisfied, again, world.policy)
    assert rated.outcome is RatingOutcome.recorded
    assert (await world.ticket(number)).status is TicketStatus.closed


async def test_only_the_reporter_may_rate(world: World) -> None:
    ticket = await resolved_leak(world)

    rated = await world.run(rate, ticket.id, NEIGHBOUR, Rating.unsatisfied, NOW, world.policy)

    assert rated.outcome is RatingOutcome.not_reporter
    stored = await world.ticket(ticket.id)
    assert (stored.status, stored.rating) == (TicketStatus.resolved, None)


async def test_a_second_rating_is_not_waited_for(world: World) -> None:
    ticket = await resolved_leak(world)
    await world.run(rate, ticket.id, RESIDENT, Rating.satisfied, RESOLVED_AT, world.policy)

    again = await world.run(rate, ticket.id, RESIDENT, Rating.unsatisfied, NOW, world.policy)

    assert again.outcome is RatingOutcome.not_waiting
    stored = await world.ticket(ticket.id)
    assert (stored.status, stored.rating) == (TicketStatus.closed, Rating.satisfied)
    assert (await world.kinds(ticket.id)).count(EventKind.rated) == 1


async def test_rating_an_open_or_unknown_ticket_is_not_waited_for(world: World) -> None:
    ticket = await world.open(LEAK)

    for number in (ticket.id, 424242):
        rated = await world.run(rate, number, RESIDENT, Rating.satisfied, NOW, world.policy)
        assert rated.outcome is RatingOutcome.not_waiting


async def test_the_sweep_closes_tickets_left_unrated_as_unrated_not_satisfied(
    world: World,
) -> None:
    ticket = await resolved_leak(world)
    due = RESOLVED_AT + world.policy.feedback_window

    await sweep(world.db, due - timedelta(minutes=1), world.policy)
    assert (await world.ticket(ticket.id)).status is TicketStatus.resolved

    assert await sweep(world.db, due, world.policy) == []
    stored = await world.ticket(ticket.id)
    assert (stored.status, stored.rating, stored.closed_at) == (TicketStatus.closed, None, due)
    assert stored.feedback_due_at is None
    last = (await world.events(ticket.id))[-1]
    assert (last.kind, last.text, last.at) == (EventKind.closed, "未评价", due)
    # Once closed, a late press changes nothing, and later sweeps leave it alone.
    late = await world.run(rate, ticket.id, RESIDENT, Rating.satisfied, due, world.policy)
    assert late.outcome is RatingOutcome.not_waiting
    await sweep(world.db, due + timedelta(days=1), world.policy)
    assert (await world.kinds(ticket.id)).count(EventKind.closed) == 1
