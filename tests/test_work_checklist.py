"""The weekly duty checklist: ISO weeks in the district's time zone, one mark per item per week
(SQLite and PostgreSQL for the storage parts)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.people import Person
from models.tree_service import node_by_code
from tests.test_ticket_workflow import GRID1, GRID2, W1, W2, World, build_world
from work.checklist import Item, Week, mark_done, week_lines, week_of

SHANGHAI = ZoneInfo("Asia/Shanghai")
ITEMS = [Item("elderly_visit", "走访独居老人"), Item("fire_passage", "巡查消防通道")]
TUESDAY = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # 17:00 in Beijing, week 48


def test_the_week_turns_at_local_midnight_not_utc() -> None:
    sunday_night = datetime(2026, 11, 29, 15, 59, tzinfo=UTC)  # 23:59 Sunday in Beijing
    monday_morning = datetime(2026, 11, 29, 16, 1, tzinfo=UTC)  # 00:01 Monday in Beijing
    assert week_of(sunday_night, SHANGHAI).period == "2026-W48"
    assert week_of(monday_morning, SHANGHAI).period == "2026-W49"
    assert week_of(monday_morning, UTC).period == "2026-W48"


def test_a_week_knows_its_monday_and_sunday_across_the_new_year() -> None:
    week = week_of(datetime(2027, 1, 1, 4, 0, tzinfo=UTC), SHANGHAI)  # a Friday
    assert week == Week("2026-W53", date(2026, 12, 28), date(2027, 1, 3))


@pytest.fixture
async def world(session_factory: async_sessionmaker[AsyncSession]) -> World:
    return await build_world(session_factory)


async def _mark(world: World, user: int, code: str, item: Item, now: datetime) -> bool:
    async with world.session() as s:
        person = await s.get(Person, await world.pid(user))
        node = await node_by_code(s, code)
        assert person is not None and node is not None
        return await mark_done(s, node, item, person, week_of(now, SHANGHAI), now)


async def _lines(world: World, code: str, now: datetime) -> list[tuple[str, str]]:
    async with world.session() as s:
        node = await node_by_code(s, code)
        assert node is not None
        lines = await week_lines(s, node, ITEMS, week_of(now, SHANGHAI))
    return [(line.item.key, line.done_by) for line in lines]


async def test_an_item_is_done_once_a_week_per_grid(world: World) -> None:
    assert await _lines(world, GRID1, TUESDAY) == [("elderly_visit", ""), ("fire_passage", "")]
    assert await _mark(world, W1, GRID1, ITEMS[0], TUESDAY) is True
    later = TUESDAY + timedelta(days=2)
    assert await _mark(world, W1, GRID1, ITEMS[0], later) is False  # the first mark stays
    assert await _lines(world, GRID1, later) == [("elderly_visit", "黄秀英"), ("fire_passage", "")]
    assert await _lines(world, GRID2, TUESDAY) == [("elderly_visit", ""), ("fire_passage", "")]
    assert await _mark(world, W2, GRID2, ITEMS[1], TUESDAY) is True


async def test_next_week_starts_empty(world: World) -> None:
    await _mark(world, W1, GRID1, ITEMS[0], TUESDAY)
    next_week = TUESDAY + timedelta(days=7)
    assert await _lines(world, GRID1, next_week) == [("elderly_visit", ""), ("fire_passage", "")]
    assert await _mark(world, W1, GRID1, ITEMS[0], next_week) is True


async def test_the_done_time_is_kept(world: World) -> None:
    await _mark(world, W1, GRID1, ITEMS[1], TUESDAY)
    async with world.session() as s:
        node = await node_by_code(s, GRID1)
        assert node is not None
        lines = await week_lines(s, node, ITEMS, week_of(TUESDAY, SHANGHAI))
    assert lines[0].done_at is None and lines[1].done_at == TUESDAY
