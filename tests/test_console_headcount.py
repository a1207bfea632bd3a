"""The console's 人口统计 page through aiohttp's test client, on SQLite and PostgreSQL: the day's
round rolled up per child, the grids still missing, drilling down inside the subtree (403
outside), an earlier day, and a grid's name shown as text."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from core.clock import FakeClock
from core.db import session_scope
from models.people import Person
from models.tree import Node
from models.tree_service import node_by_code
from tests.support.console import console_client, log_in, person_id, small_district
from work.headcount import answer, open_round

Factory = async_sessionmaker[AsyncSession]
TZ = ZoneInfo("Asia/Shanghai")  # the district's zone (console_settings' default)
SCRIPT_GRID = "PG-01-002-02"


async def person(s: AsyncSession, factory: Factory, key: str) -> Person:
    found = await s.get(Person, await person_id(factory, key))
    assert found is not None
    return found


@pytest.fixture
async def factory(session_factory: Factory) -> Factory:
    """Today's round for the town PG-01 (4 grids), answered by PG-01-001-01 only; one grid
    of the other community has a name with a script in it."""
    await small_district(session_factory)
    clock = FakeClock()
    async with session_scope(session_factory) as s:
        await s.execute(
            update(Node).where(col(Node.code) == SCRIPT_GRID).values(name="<script>x()</script>")
        )
        town = await node_by_code(s, "PG-01")
        grid = await node_by_code(s, "PG-01-001-01")
        assert town is not None and grid is not None
        opener = await person(s, session_factory, "T0001")
        deadline = clock.now() + timedelta(hours=2)
        await open_round(s, town, opener, clock.now(), TZ, deadline)
        await answer(s, grid, await person(s, session_factory, "W0001"), 126, clock.now(), TZ)
    return session_factory


def section(html: str, heading: str) -> str:
    return html.split(heading, 1)[1].split("</table>", 1)[0]


async def test_a_district_official_sees_the_round_per_child_and_the_missing_grids(
    factory: Factory,
) -> None:
    clock = FakeClock()
    async with console_client(factory, clock) as client:
        await log_in(client, factory, clock, "D0001")
        text = await (await client.get("/headcount")).text()
    assert 'aria-current="page">人口统计</a>' in text
    assert "滨河街道（<code>PG-01</code>）今天的在区人口统计" in text and "（进行中）" in text
    assert "<strong>126</strong> 人" in text and "<strong>1 / 4</strong>" in text
    rows = section(text, "按下级汇总")
    assert "府前社区</a> <code>PG-01-001</code>" in rows and "126" in rows and "1 / 2" in rows
    assert "承平里社区</a> <code>PG-01-002</code>" in rows and "0 / 2" in rows
    missing = section(text, "尚未上报的网格（3）")
    assert [code in missing for code in ("PG-01-001-02", "PG-01-002-01", SCRIPT_GRID)] == [
        True,
        True,
        True,
    ]
    assert "PG-01-001-01" not in missing
    assert "<script>x()" not in text and "&lt;script&gt;x()&lt;/script&gt;" in text


async def test_a_community_admin_sees_their_community_and_drills_to_nothing_outside(
    factory: Factory,
) -> None:
    clock = FakeClock()
    async with console_client(factory, clock) as client:
        await log_in(client, factory, clock, "C0001")
        own = await (await client.get("/headcount")).text()
        town = await client.get("/headcount?node=PG-01")
        neighbour = await client.get("/headcount?node=PG-01-002")
        grid = await (await client.get("/headcount?node=pg-01-001-02")).text()
    assert "府前社区（<code>PG-01-001</code>）今天" in own
    assert "<strong>1 / 2</strong>" in own and "尚未上报的网格（1）" in own
    assert "PG-01-001-02" in section(own, "尚未上报的网格（1）")
    assert (town.status, neighbour.status) == (403, 403)
    assert "尚未上报的网格（1）" in grid and "<strong>0</strong> 人" in grid


async def test_drilling_down_from_the_town_keeps_the_day(factory: Factory) -> None:
    clock = FakeClock()
    async with console_client(factory, clock) as client:
        await log_in(client, factory, clock, "T0001")
        town = await (await client.get("/headcount")).text()
        child = await (await client.get("/headcount?node=PG-01-002&date=2026-11-24")).text()
    assert 'href="/headcount?node=PG-01-002&amp;date=2026-11-24"' in town
    assert "尚未上报的网格（2）" in child and "<strong>0 / 2</strong>" in child
    assert 'href="/headcount?node=PG-01&amp;date=2026-11-24">滨河街道</a>' in child


async def test_another_day_and_bad_values_are_worded(factory: Factory) -> None:
    clock = FakeClock()
    async with console_client(factory, clock) as client:
        await log_in(client, factory, clock, "T0001")
        yesterday = await (await client.get("/headcount?date=2026-11-23")).text()
        future = await (await client.get("/headcount?date=2026-11-25")).text()
        bad = await (await client.get("/headcount?date=11/24&page=x")).text()
        unknown = await client.get("/headcount?node=PG-99")
        unknown_text = await unknown.text()
        clock.advance(timedelta(days=1))
        await log_in(client, factory, clock, "T0001")  # the idle login has ended overnight
        earlier = await (await client.get("/headcount?date=2026-11-24")).text()
        today = await (await client.get("/headcount")).text()
    assert "2026-11-23没有进行人口统计" in yesterday
    assert "不能查看以后的日期" in future and "<strong>126</strong> 人" in future
    assert "日期格式不对" in bad and "页码不对" in bad
    assert unknown.status == 404 and "没有找到这个节点编码" in unknown_text
    assert "2026-11-24的在区人口统计" in earlier and "（已截止）" in earlier
    assert "<strong>126</strong> 人" in earlier
    assert "今天没有进行人口统计" in today


async def test_the_missing_grids_are_paged(
    factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("console.headcount.SHOWN", 2)
    clock = FakeClock()
    async with console_client(factory, clock) as client:
        await log_in(client, factory, clock, "T0001")
        first = await (await client.get("/headcount")).text()
        second = await (await client.get("/headcount?node=PG-01&page=2")).text()
    on_first, on_second = (
        section(first, "尚未上报的网格（3）"),
        section(second, "尚未上报的网格（3）"),
    )
    assert "PG-01-001-02" in on_first and "PG-01-002-01" in on_first
    assert SCRIPT_GRID not in on_first and "第 1 页，共 2 页" in first
    assert 'href="/headcount?node=PG-01&amp;date=2026-11-24&amp;page=2" rel="next"' in first
    assert [c in on_second for c in ("PG-01-001-02", "PG-01-002-01", SCRIPT_GRID)] == [
        False,
        False,
        True,
    ]
    assert "上一页" in second and "下一页" not in second
