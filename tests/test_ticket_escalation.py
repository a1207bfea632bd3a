"""逐级上报 on a real database: manual escalation and the deadline sweep (exactly once)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.vocabulary import Category, Priority
from models.access import Refused
from models.tickets import EventKind, Ticket, TicketStatus
from tests.test_ticket_workflow import (
    COMMUNITY1,
    DISTRICT,
    FIGHT,
    GRID1,
    LEAK,
    MISSING,
    NEIGHBOUR,
    NOW,
    STRANGER,
    TOWN1,
    W1,
    World,
    build_world,
)
from tickets import actions
from tickets.access import Refusal
from tickets.escalation import escalate_ticket, sweep
from tickets.events import GroupUpdate, Notice, NotifyStaff, StaffReason, TellGroup

CLAIM = timedelta(minutes=5)  # urgent: claim within 5 minutes


@pytest.fixture
async def world(session_factory: async_sessionmaker[AsyncSession]) -> World:
    return await build_world(session_factory)


async def sweep_at(world: World, now: datetime) -> list[Notice]:
    return await sweep(world.db, now, world.policy)


def escalations(notices: list[Notice]) -> list[NotifyStaff]:
    return [n for n in notices if isinstance(n, NotifyStaff) and n.reason is StaffReason.escalated]


async def handling_code(world: World, ticket: Ticket) -> str:
    async with world.session() as s:
        fresh = await s.get(Ticket, ticket.id)
        assert fresh is not None
        node = await actions.handling_node(s, fresh)
        assert node is not None
        return node.code


# --- manual escalation ---------------------------------------------------------------------------


async def test_the_worker_escalates_by_hand_to_the_community_with_a_reason(world: World) -> None:
    ticket = await world.open(LEAK)
    number = ticket.id or 0
    at = NOW + timedelta(minutes=15)

    done = await world.run(actions.escalate, number, W1, "需要物业配合", at, world.policy)

    admin = await world.pid(COMMUNITY1)
    assert done.notices == [
        NotifyStaff(number, (admin,), StaffReason.escalated, "需要物业配合"),
        TellGroup(number, GroupUpdate.escalated, note="府前社区"),
    ]
    stored = await world.ticket(number)
    assert await handling_code(world, stored) == "PG-01-001"
    assert stored.escalation_level == 1
    assert stored.status is TicketStatus.new
    assert (
        stored.claim_due_at == at + world.policy.deadline(Category.REPAIR, Priority.NORMAL).claim
    )
    last = (await world.events(number))[-1]
    assert last.kind is EventKind.escalated
    assert last.actor_person_id == await world.pid(W1)
    assert last.node_id == await world.node_id("PG-01-001")
    assert last.text == "府前社区：需要物业配合"


async def test_escalation_by_hand_stops_at_the_district(world: World) -> None:
    ticket = await world.open(LEAK)
    number = ticket.id or 0

    for expected in ("PG-01-001", "PG-01", "PG"):
        await world.run(actions.escalate, number, DISTRICT, "上报", NOW, world.policy)
        assert await handling_code(world, await world.ticket(number)) == expected

    with pytest.raises(Refused) as refused:
        await world.run(actions.escalate, number, DISTRICT, "再上报", NOW, world.policy)
    assert refused.value.reason is Refusal.closed
    assert (await world.ticket(number)).escalation_level == 3


async def test_a_resolved_ticket_cannot_be_escalated(world: World) -> None:
    ticket = await world.open(LEAK)
    await world.run(actions.resolve, ticket.id, W1, "已处理", (), NOW, world.policy)

    with pytest.raises(Refused) as refused:
        await world.run(actions.escalate, ticket.id, W1, "上报", NOW, world.policy)

    assert refused.value.reason is Refusal.closed


# --- the sweep -----------------------------------------------------------------------------------


async def test_an_unclaimed_urgent_case_goes_up_one_level_per_missed_deadline(
    world: World,
) -> None:
    ticket = await world.open(MISSING)
    number = ticket.id or 0

    assert await sweep_at(world, NOW + CLAIM - timedelta(seconds=1)) == []

    first = NOW + CLAIM
    notices = await sweep_at(world, first)
    admin = await world.pid(COMMUNITY1)
    assert notices == [
        NotifyStaff(number, (admin,), StaffReason.escalated, "超时未接单"),
        TellGroup(number, GroupUpdate.escalated, note="府前社区"),
    ]
    stored = await world.ticket(number)
    assert await handling_code(world, stored) == "PG-01-001"
    assert (stored.escalation_level, stored.claim_due_at) == (1, first + CLAIM)

    assert await sweep_at(world, first + CLAIM - timedelta(seconds=1)) == []
    second = first + CLAIM + timedelta(seconds=30)
    notices = await sweep_at(world, second)
    assert escalations(notices) == [
        NotifyStaff(number, (await world.pid(TOWN1),), StaffReason.escalated, "超时未接单")
    ]
    stored = await world.ticket(number)
    assert await handling_code(world, stored) == "PG-01"
    assert (stored.escalation_level, stored.claim_due_at) == (2, second + CLAIM)
    events = [e for e in await world.events(number) if e.kind is EventKind.escalated]
    assert [e.text for e in events] == ["府前社区：超时未接单", "滨河街道：超时未接单"]
    assert all(e.actor_person_id is None for e in events)


async def test_sweeping_twice_at_the_same_moment_escalates_once(world: World) -> None:
    ticket = await world.open(MISSING)
    at = NOW + timedelta(minutes=6)

    first = await sweep_at(world, at)
    second = await sweep_at(world, at)

    assert len(escalations(first)) == 1 and second == []
    assert (await world.kinds(ticket.id)).count(EventKind.escalated) == 1
    assert (await world.ticket(ticket.id)).escalation_level == 1


async def test_two_concurrent_sweeps_escalate_each_ticket_once_and_keep_its_clock(
    world: World,
) -> None:
    opened = [
        await world.open(MISSING),
        await world.open(FIGHT, user=NEIGHBOUR),
        await world.open(LEAK, user=STRANGER),
    ]
    at = NOW + timedelta(hours=3)  # every claim deadline has passed

    results = await asyncio.gather(sweep_at(world, at), sweep_at(world, at))

    told = escalations([n for notices in results for n in notices])
    assert sorted(n.ticket_id for n in told) == sorted(t.id or 0 for t in opened)
    for ticket in opened:
        stored = await world.ticket(ticket.id)
        assert stored.escalation_level == 1
        assert (await world.kinds(ticket.id)).count(EventKind.escalated) == 1
        # The losing sweeper must not stop the clock the winner just set.
        deadline = world.policy.deadline(stored.category, stored.priority)
        assert stored.claim_due_at == at + deadline.claim
    later = await sweep_at(world, at + timedelta(hours=3))
    assert len(escalations(later)) == 3


async def test_a_stale_escalation_changes_nothing(world: World) -> None:
    """A sweeper that read the ticket before another one escalated it does not move it again."""
    ticket = await world.open(MISSING)
    async with world.session() as stale_session:
        stale = await stale_session.get(Ticket, ticket.id)
        assert stale is not None
        assert len(escalations(await sweep_at(world, NOW + timedelta(minutes=6)))) == 1

        again = await escalate_ticket(
            stale_session, stale, NOW + timedelta(minutes=6), world.policy
        )

    assert again == []
    stored = await world.ticket(ticket.id)
    assert stored.escalation_level == 1
    assert await handling_code(world, stored) == "PG-01-001"


async def test_a_claimed_ticket_past_its_resolve_deadline_goes_up(world: World) -> None:
    ticket = await world.open(LEAK)
    number = ticket.id or 0
    claimed_at = NOW + timedelta(minutes=10)
    await world.run(actions.claim, number, W1, claimed_at, world.policy)
    resolve = world.policy.deadline(Category.REPAIR, Priority.NORMAL).resolve

    assert await sweep_at(world, claimed_at + resolve - timedelta(minutes=1)) == []
    at = claimed_at + resolve + timedelta(minutes=1)
    notices = await sweep_at(world, at)

    assert escalations(notices) == [
        NotifyStaff(number, (await world.pid(COMMUNITY1),), StaffReason.escalated, "超时未办结")
    ]
    stored = await world.ticket(number)
    assert stored.status is TicketStatus.claimed
    assert stored.assignee_person_id == await world.pid(W1)
    assert await handling_code(world, stored) == "PG-01-001"
    assert (stored.claim_due_at, stored.resolve_due_at) == (None, at + resolve)


async def test_a_ticket_at_the_top_stops_being_swept(world: World) -> None:
    ticket = await world.open(MISSING)
    number = ticket.id or 0
    at = NOW
    for expected in ("PG-01-001", "PG-01", "PG"):
        at += CLAIM
        assert len(escalations(await sweep_at(world, at))) == 1
        assert await handling_code(world, await world.ticket(number)) == expected

    at += CLAIM
    assert await sweep_at(world, at) == []
    stored = await world.ticket(number)
    assert (stored.escalation_level, stored.claim_due_at, stored.resolve_due_at) == (3, None, None)
    assert await sweep_at(world, at + timedelta(days=3)) == []
    assert (await world.kinds(number)).count(EventKind.escalated) == 3
    # Still open: the district official can claim and finish it.
    done = await world.run(actions.claim, number, DISTRICT, at, world.policy)
    assert done.ticket.resolve_due_at is not None


async def test_resolved_and_closed_tickets_are_not_escalated(world: World) -> None:
    ticket = await world.open(MISSING)
    await world.run(actions.resolve, ticket.id, W1, "已找到", (), NOW, world.policy)

    assert escalations(await sweep_at(world, NOW + timedelta(hours=5))) == []
    stored = await world.ticket(ticket.id)
    assert stored.escalation_level == 0
    assert await handling_code(world, stored) == GRID1
