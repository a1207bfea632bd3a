"""The daily headcount on a real database (SQLite and PostgreSQL): rounds, answers, the roll-up
grid → community → town → district, the grids still missing, prompts and reminders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.access import load_actor
from models.people import Person
from models.tree import Node
from models.tree_service import node_by_code
from models.work import HeadcountRound
from tests.test_ticket_workflow import (
    DISTRICT,
    GRID1,
    GRID2,
    OTHER_COMMUNITY_GRID,
    TOWN1,
    W1,
    W2,
    W3,
    W5,
    World,
    build_world,
)
from work import headcount as hc
from work.headcount_due import PROMPT, REMIND, SUMMARY, claim, due_messages, finish_reminders

TZ = ZoneInfo("Asia/Shanghai")
MORNING = datetime(2026, 11, 24, 0, 30, tzinfo=UTC)  # 08:30 in Beijing
DEADLINE = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # 10:00 in Beijing


def test_the_deadline_is_todays_local_time() -> None:
    assert hc.deadline_today(MORNING, TZ, "10:00") == DEADLINE
    late_evening = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)  # already the 25th in Beijing
    assert hc.deadline_today(late_evening, TZ, "10:00") == DEADLINE + timedelta(days=1)


@pytest.fixture
async def world(session_factory: async_sessionmaker[AsyncSession]) -> World:
    return await build_world(session_factory)


async def _node(s: AsyncSession, code: str) -> Node:
    node = await node_by_code(s, code)
    assert node is not None
    return node


async def _person(world: World, s: AsyncSession, user: int) -> Person:
    person = await s.get(Person, await world.pid(user))
    assert person is not None
    return person


async def _open(world: World, code: str = "PG", now: datetime = MORNING) -> HeadcountRound:
    async with world.session() as s:
        opener = await _person(world, s, DISTRICT)
        held, _new = await hc.open_round(s, await _node(s, code), opener, now, TZ, DEADLINE)
        return held


async def _answer(
    world: World, user: int, code: str, count: int, now: datetime = MORNING
) -> list[HeadcountRound]:
    async with world.session() as s:
        return await hc.answer(
            s, await _node(s, code), await _person(world, s, user), count, now, TZ
        )


async def test_one_round_per_node_and_day(world: World) -> None:
    first = await _open(world)
    assert (await _open(world)).id == first.id
    assert (await _open(world, "PG-01")).id != first.id
    tomorrow = await _open(world, now=MORNING + timedelta(days=1))
    assert tomorrow.id != first.id and tomorrow.day == "2026-11-25"


async def test_answers_roll_up_the_tree_and_missing_grids_are_listed(world: World) -> None:
    held = await _open(world)
    await _answer(world, W1, GRID1, 126)
    await _answer(world, W2, GRID2, 98)
    await _answer(world, W3, OTHER_COMMUNITY_GRID, 80)
    async with world.session() as s:
        district = await hc.rollup(s, held, await _node(s, "PG"))
        community = await hc.rollup(s, held, await _node(s, "PG-01-001"))
    assert (district.top.total, district.top.answered, district.top.grids) == (304, 3, 8)
    towns = {t.node.code: (t.total, t.answered, t.grids) for t in district.children(district.view)}
    assert towns == {"PG-01": (304, 3, 4), "PG-02": (0, 0, 4)}
    assert district.of(await _node_in(world, "PG-01-002")).total == 80
    assert [g.code for g in district.missing] == [
        "PG-01-002-02",
        "PG-02-001-01",
        "PG-02-001-02",
        "PG-02-002-01",
        "PG-02-002-02",
    ]
    assert (community.top.total, community.top.answered, community.missing) == (224, 2, [])


async def _node_in(world: World, code: str) -> Node:
    async with world.session() as s:
        return await _node(s, code)


async def test_a_second_answer_replaces_the_first(world: World) -> None:
    held = await _open(world)
    await _answer(world, W1, GRID1, 126)
    await _answer(world, W1, GRID1, 130)
    async with world.session() as s:
        tally = await hc.rollup(s, held, await _node(s, "PG"))
    assert (tally.top.total, tally.top.answered) == (130, 1)


async def test_an_answer_counts_in_every_round_of_today_covering_the_grid(world: World) -> None:
    assert await _answer(world, W1, GRID1, 126) == []  # no round yet: nothing recorded
    district, town = await _open(world), await _open(world, "PG-01")
    rounds = await _answer(world, W1, GRID1, 126)
    assert {r.id for r in rounds} == {district.id, town.id}
    assert await _answer(world, W1, GRID1, 1, MORNING + timedelta(days=1)) == []


async def test_the_latest_headcount_of_a_node(world: World) -> None:
    community = await _node_in(world, "PG-01-001")
    async with world.session() as s:
        assert await hc.headcount_latest(s, community) is None
    await _open(world)
    await _answer(world, W1, GRID1, 126)
    async with world.session() as s:
        total, answered, missing = await hc.headcount_latest(s, community) or (0, 0, [])
    assert (total, answered, [g.code for g in missing]) == (126, 1, [GRID2])
    await _open(world, now=MORNING + timedelta(days=1))
    async with world.session() as s:
        figures = await hc.headcount_latest(s, community)
    assert figures is not None and (figures.total, figures.answered_grids) == (0, 0)


async def test_a_worker_answers_for_the_grids_a_round_covers(world: World) -> None:
    async with world.session() as s:
        assert await hc.answerable_grids(s, await load_actor(s, W1), MORNING, TZ) == []
    await _open(world, "PG-01-001")
    async with world.session() as s:
        grids = await hc.answerable_grids(s, await load_actor(s, W1), MORNING, TZ)
        other = await hc.answerable_grids(s, await load_actor(s, W5), MORNING, TZ)
    assert [g.code for g in grids] == [GRID1] and other == []


async def _due(world: World, now: datetime) -> list[tuple[str, int | None, str | None]]:
    async with world.session() as s:
        due = await due_messages(s, now, TZ, limit=100)
    return [(d.job, d.person.telegram_user_id, d.grid.code if d.grid else None) for d in due]


async def _send_all(world: World, now: datetime) -> int:
    async with world.session() as s:
        due = await due_messages(s, now, TZ, limit=100)
        return sum([await claim(s, d, now) for d in due])


async def test_prompts_then_reminders_then_a_summary_each_once(world: World) -> None:
    await _open(world)
    await _answer(world, W1, GRID1, 126)
    prompts = await _due(world, MORNING)
    # Reachable workers of unanswered grids; W4 never opened a private chat, W6-W8 neither.
    assert prompts == [
        (PROMPT, W2, GRID2),
        (PROMPT, W3, OTHER_COMMUNITY_GRID),
        (PROMPT, W5, "PG-02-001-01"),
    ]
    assert await _send_all(world, MORNING) == 3
    assert await _due(world, MORNING + timedelta(minutes=5)) == []
    await _answer(world, W2, GRID2, 98)
    late = DEADLINE + timedelta(minutes=1)
    assert await _due(world, late) == [
        (REMIND, W3, OTHER_COMMUNITY_GRID),
        (REMIND, W5, "PG-02-001-01"),
        (SUMMARY, DISTRICT, None),
    ]
    assert await _send_all(world, late) == 3
    async with world.session() as s:
        assert await finish_reminders(s, late, TZ) == 1
    assert await _due(world, late + timedelta(minutes=5)) == []


async def test_a_town_round_prompts_only_its_grids(world: World) -> None:
    async with world.session() as s:
        opener = await _person(world, s, TOWN1)
        await hc.open_round(s, await _node(s, "PG-01"), opener, MORNING, TZ, DEADLINE)
    assert {user for _job, user, _grid in await _due(world, MORNING)} == {W1, W2, W3}
