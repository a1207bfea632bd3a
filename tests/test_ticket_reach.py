"""Who a ticket actually reached, by role (#11, items 7 and 9), and the tickets handed to staff
who open the private chat later; on a real database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.access import load_actor
from models.tickets import EventKind
from outbox.write import say
from tests.test_ticket_workflow import (
    COMMUNITY1,
    LEAK,
    MISSING,
    NOW,
    REACHABLE,
    TOWN1,
    W1,
    World,
    build_world,
)
from tickets.delivery import TICKET_STAFF
from tickets.events import GroupUpdate, NotifyStaff, StaffReason, TellGroup
from tickets.waiting import hand_waiting, waiting_for


@pytest.fixture
async def world(session_factory: async_sessionmaker[AsyncSession]) -> World:
    return await build_world(session_factory)


async def nobody_reachable(world: World) -> None:
    for telegram_id in REACHABLE:
        await world.set_private_chat(telegram_id, False)


async def test_a_missing_person_reports_each_level_as_told_or_not(world: World) -> None:
    await world.set_private_chat(COMMUNITY1, False)
    await world.set_private_chat(TOWN1, False)

    opening = await world.report(MISSING)

    told = [(r.node.level.value, r.role.value, r.told > 0) for r in opening.alerted]
    assert told == [
        ("micro_grid", "grid_worker", True),
        ("community", "community_admin", False),
        ("town", "town_admin", False),
    ]
    assert [r.unreached for r in opening.alerted] == [False, True, True]


async def test_with_nobody_reachable_the_group_hears_roles_and_that_it_stays_open(
    world: World,
) -> None:
    await nobody_reachable(world)

    opening = await world.report(LEAK)

    assert opening.ticket is not None and opening.route is not None
    assert opening.route.nobody
    (tell,) = [n for n in opening.notices if isinstance(n, TellGroup)]
    assert tell == TellGroup(
        opening.ticket.id or 0,
        GroupUpdate.nobody_reachable,
        roles=("grid_worker", "community_admin", "town_admin", "district_official"),
    )


async def test_a_ticket_that_reached_nobody_waits_for_staff_covering_it(world: World) -> None:
    await nobody_reachable(world)
    ticket = await world.open(LEAK)
    async with world.session() as s:
        worker = await load_actor(s, W1)
        other_town = await load_actor(s, 910000002)
        assert [t.id for t in await waiting_for(s, worker)] == [ticket.id]
        assert await waiting_for(s, other_town) == []

    async with world.session() as s:
        notices = await hand_waiting(s, worker, NOW + timedelta(hours=1))
    person = await world.pid(W1)
    assert len(notices) == 1
    notice = notices[0]
    assert isinstance(notice, NotifyStaff)
    assert (notice.ticket_id, notice.person_ids, notice.reason) == (
        ticket.id,
        (person,),
        StaffReason.new,
    )
    kinds = [e.kind for e in await world.events(ticket.id)]
    assert kinds[-1] is EventKind.routed


async def test_a_ticket_with_a_staff_notice_written_no_longer_waits(world: World) -> None:
    await nobody_reachable(world)
    ticket = await world.open(LEAK)
    async with world.session() as s:
        say(s, W1, "新工单", purpose=TICKET_STAFF, ref_id=ticket.id, person_id=await world.pid(W1))
    async with world.session() as s:
        assert await waiting_for(s, await load_actor(s, COMMUNITY1)) == []
