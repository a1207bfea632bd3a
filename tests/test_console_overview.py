"""The console's 总览 page through aiohttp's test client, on SQLite and PostgreSQL: the /stats
figures of a node and period (compared with stats.breakdown.build_report), the chart, the
urgent and overdue tickets, the weakest children, the headcount, scopes and bad periods."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import select

from core.clock import FakeClock
from core.db import session_scope
from core.timezone import district_zone
from core.vocabulary import Category, Priority, TicketStatus
from models.groups import Group
from models.people import Person
from models.tickets import Rating, Ticket
from models.totals_write import count_opened
from models.tree_service import node_by_code
from stats.breakdown import build_report
from stats.model import Report
from stats.period import parse_period
from tests.support.console import (
    GRID,
    console_client,
    console_settings,
    log_in,
    person_id,
    small_district,
)
from tests.test_ticket_board import place
from work.headcount import answer, open_round

Factory = async_sessionmaker[AsyncSession]
TZ = district_zone(console_settings())
OTHER = "PG-01-002"  # the neighbouring community: outside C0001's scope
SECOND = "PG-01-001-02"
FAR = "PG-02-001-01"  # another town


@pytest.fixture
async def factory(session_factory: Factory) -> Factory:
    await small_district(session_factory)
    async with session_scope(session_factory) as s:
        grid = await node_by_code(s, GRID)
        assert grid is not None
        s.add(Group(chat_id=-100777, title="府前一网格群", node_id=grid.id))
    return session_factory


async def tickets(factory: Factory, clock: FakeClock) -> dict[str, int]:
    """Twelve tickets in each town (PG-01 resolves 9, PG-02 resolves 3), some old; one urgent
    and one overdue open ticket in GRID."""
    now, ids = clock.now(), {}
    async with session_scope(factory) as s:
        for town, code, resolved in (("PG-01", GRID, 9), ("PG-02", FAR, 3)):
            for i in range(12):
                status = TicketStatus.resolved if i < resolved else TicketStatus.claimed
                category = Category.REPAIR if i % 2 else Category.ENVIRONMENT
                await place(s, code, f"{town}工单{i}", now - timedelta(days=i % 4, hours=1),
                            status=status, category=category)  # fmt: skip
        ids["old"] = await place(s, SECOND, "二十天前的漏水", now - timedelta(days=20))
        ids["urgent"] = await place(
            s, GRID, "老人走失 电话13812345678", now - timedelta(minutes=30),
            category=Category.MISSING_PERSON, priority=Priority.URGENT,
        )  # fmt: skip
        ids["late"] = await place(
            s, SECOND, "楼道灯坏了", now - timedelta(days=2),
            claim_due=now - timedelta(hours=3),
        )  # fmt: skip
    return ids


async def report_of(factory: Factory, code: str, word: str, clock: FakeClock) -> Report:
    async with factory() as s:
        node = await node_by_code(s, code)
        assert node is not None
        return await build_report(s, node, parse_period(word, clock.now(), TZ), daily=True)


def pct(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.1f}%"


def figure(html: str, label: str) -> str:
    found = re.search(rf'<div class="figure">{label}<br>(?:中位 )?<strong>([^<]*)</strong>', html)
    assert found is not None, label
    return found.group(1)


async def rated(factory: Factory, clock: FakeClock, code: str, ratings: list[Rating]) -> None:
    """Resolved tickets opened yesterday with these ratings, counted as the workflow would."""
    at = clock.now() - timedelta(days=1)
    async with session_scope(factory) as s:
        node = await node_by_code(s, code)
        group = (await s.execute(select(Group))).scalars().first()
        assert node is not None and group is not None
        assert node.id is not None and group.id is not None
        for rating in ratings:
            ticket = Ticket(
                category=Category.REPAIR, priority=Priority.NORMAL, status=TicketStatus.resolved,
                text="已评价的工单", reporter_user_id=7000001, reporter_name="王大妈",
                group_id=group.id, node_id=node.id, handling_node_id=node.id, created_at=at,
                updated_at=at, rating=rating, rated_at=clock.now(),
            )  # fmt: skip
            s.add(ticket)
            await s.flush()
            await count_opened(s, ticket.id)


def children_rows(html: str) -> dict[str, list[str]]:
    """The 下级情况 table: code → its cells' texts."""
    table = html.split("下级情况", 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = {}
    for row in table.split("<tr>")[1:]:
        code = re.search(r"<code>([^<]+)</code>", row)
        cells = re.findall(r'<td class="num">([^<]*)</td>', row)
        rows[code.group(1) if code else "本级"] = cells
    return rows


PERIODS = [  # who, the node shown, the query, the same period in /stats words
    ("D0001", "PG", "", "7d"),
    ("D0001", "PG-01", "node=PG-01&period=today", "今天"),
    ("D0001", "PG", "period=30d", "30d"),
    ("D0001", "PG", "period=range&from=2026-11-20&to=2026-11-22", "2026-11-20..2026-11-22"),
    ("C0001", "PG-01-001", "period=30d", "30d"),
]


async def test_the_figures_are_the_stats_reports_for_the_same_node_and_period(
    factory: Factory,
) -> None:
    clock = FakeClock()
    await tickets(factory, clock)
    await rated(factory, clock, GRID, [Rating.satisfied, Rating.unsatisfied])
    for key, code, query, word in PERIODS:
        report = await report_of(factory, code, word, clock)
        f = report.total
        async with console_client(factory, clock) as client:
            await log_in(client, factory, clock, key)
            page = await (await client.get(f"/?{query}")).text()
            part = await (await client.get(f"/overview/figures?{query}")).text()
        for html in (page, part):
            assert f"<h2>{report.path} · {report.period.label}</h2>" in html
            assert figure(html, "工单") == str(f.tickets)
            assert figure(html, "未办结") == str(f.open)
            assert figure(html, "办结率") == pct(f.resolved_share)
            assert figure(html, "满意率") == pct(f.satisfied_share)
            assert children_rows(html) == {
                ("本级" if p.own_level else p.node.code): [
                    str(p.figures.tickets), str(p.figures.open), pct(p.figures.resolved_share),
                    pct(p.figures.satisfied_share), "—", "0", "",
                ]
                for p in report.parts
            }  # fmt: skip
        assert list(children_rows(page)) == [p.node.code for p in report.parts]  # worst first
    assert (await report_of(factory, "PG", "7d", clock)).total.satisfied_share == 0.5


async def test_urgent_and_overdue_tickets_come_first_and_link_to_their_page(
    factory: Factory,
) -> None:
    clock = FakeClock()
    ids = await tickets(factory, clock)
    async with console_client(factory, clock) as client:
        await log_in(client, factory, clock, "C0001")
        html = await (await client.get("/?period=today")).text()
    pressing = html.split("超时和紧急工单", 1)[1].split("</table>", 1)[0]
    links = re.findall(r'<a href="/tickets/(\d+)">', pressing)
    assert links == [str(ids["late"]), str(ids["urgent"])]  # overdue first, then urgent
    assert "共 2 件未办结的超时或紧急工单" in html
    assert "138****5678" in pressing and "13812345678" not in html
    assert '<tr class="overdue">' in pressing and "超时" in pressing and "紧急" in pressing


async def test_the_weakest_children_link_to_their_own_overview(factory: Factory) -> None:
    clock = FakeClock()
    await tickets(factory, clock)
    async with console_client(factory, clock) as client:
        await log_in(client, factory, clock, "D0001")
        html = await (await client.get("/?period=30d")).text()
        weakest = html.split("办结率最低", 1)[1].split("</ol>", 1)[0]
        links = re.findall(r'<a href="(/\?node=[^"]+)">', weakest)
        assert links == ["/?node=PG-02&amp;period=30d", "/?node=PG-01&amp;period=30d"]
        town = await (await client.get(links[0].replace("&amp;", "&"))).text()
    assert "<h2>平谷区 › 兴谷街道 · 2026-10-26 至 2026-11-24</h2>" in town
    assert "没有评价达到 10 件的下级，暂不排名" in html


async def test_the_headcount_is_the_latest_round_as_in_stats(factory: Factory) -> None:
    clock = FakeClock()
    async with session_scope(factory) as s:
        community, grid = await node_by_code(s, "PG-01-001"), await node_by_code(s, GRID)
        admin = await s.get(Person, await person_id(factory, "C0001"))
        worker = await s.get(Person, await person_id(factory, "W0001"))
        assert community and grid and admin and worker
        await open_round(s, community, admin, clock.now(), TZ, clock.now() + timedelta(hours=2))
        await answer(s, grid, worker, 126, clock.now(), TZ)
    headcount = (await report_of(factory, "PG-01-001", "7d", clock)).total.headcount
    assert headcount is not None
    async with console_client(factory, clock) as client:
        await log_in(client, factory, clock, "C0001")
        html = await (await client.get("/")).text()
    assert (
        f"<strong>{headcount.total}</strong> 人<br>已报 {headcount.answered_grids} 个网格，"
        f"未报 {headcount.missing_grids} 个" in html
    )
    assert headcount.total == 126 and children_rows(html)[GRID][-1] == "126"


async def test_every_part_renders_for_an_official_an_admin_and_a_worker(
    factory: Factory,
) -> None:
    clock = FakeClock()
    await tickets(factory, clock)
    for key in ("D0001", "C0001", "W0001"):
        async with console_client(factory, clock) as client:
            await log_in(client, factory, clock, key)
            page = await client.get("/")
            part = await client.get("/overview/figures?period=today")
            chart = await client.get("/chart.png?period=30d")
            html, piece, body = await page.text(), await part.text(), await chart.read()
        assert page.status == part.status == chart.status == 200, key
        assert 'data-refresh="/overview/figures?node=' in html and 'data-every="60"' in html
        assert re.search(r'period=7d" aria-current="true">近 7 天</a>', html)  # the default
        assert "<html" not in piece and "工单<br>" in piece
        assert chart.content_type == "image/png" and body.startswith(b"\x89PNG\r\n\x1a\n")


async def test_a_community_admin_gets_403_for_another_community(factory: Factory) -> None:
    clock = FakeClock()
    async with console_client(factory, clock) as client:
        await log_in(client, factory, clock, "C0001")
        for path in ("/", "/chart.png", "/overview/figures", "/grid"):
            for code in (OTHER, "PG-01", "NO-SUCH-NODE"):
                refused = await client.get(f"{path}?node={code}")
                assert refused.status == 403, (path, code)
                assert f"{code} 不在您负责的范围内" in await refused.text()
        own = await client.get(f"/?node={SECOND.lower()}")
        html = await own.text()
    assert own.status == 200 and "<h2>平谷区 › 滨河街道 › 府前社区 › 3-6号楼网格 · " in html


BAD_PERIODS = [
    ("period=99999d", "无法识别的时间段：99999d"),
    ("period=0d", "天数应在 1 到 3660 之间"),
    ("period=range&from=2026-11-05&to=2026-11-01", "结束日期早于开始日期"),
    ("period=range&from=2026-11-05", "请同时填写开始日期和结束日期"),
    ("period=range", "请同时填写开始日期和结束日期"),
    ("period=range&from=2026-02-30&to=2026-03-01", "日期无效"),
    ("from=2001-01-01&to=2026-11-01", "时间段最长 3660 天"),
]


async def test_a_bad_period_is_worded_on_the_page(factory: Factory) -> None:
    clock = FakeClock()
    async with console_client(factory, clock) as client:
        await log_in(client, factory, clock, "D0001")
        for query, words in BAD_PERIODS:
            page = await client.get(f"/?{query}")
            part = await client.get(f"/overview/figures?{query}")
            chart = await client.get(f"/chart.png?{query}")
            assert (page.status, part.status, chart.status) == (200, 200, 400), query
            for answer_ in (page, part, chart):
                assert f"时段有误，请修改：{words}" in await answer_.text(), query
        kept = await (await client.get("/?period=range&from=2026-11-05")).text()
    assert 'name="from" value="2026-11-05"' in kept  # kept in the form, to be completed
    assert '<input type="hidden" name="period" value="range">' in kept


async def test_markup_in_names_and_texts_shows_as_text(factory: Factory) -> None:
    clock = FakeClock()
    async with session_scope(factory) as s:
        second = await node_by_code(s, SECOND)
        assert second is not None
        second.name = "<script>alert(1)</script>"
        await place(s, SECOND, "<script>alert(2)</script>", clock.now(),
                    priority=Priority.URGENT)  # fmt: skip
    async with console_client(factory, clock) as client:
        await log_in(client, factory, clock, "C0001")
        page = await (await client.get("/")).text()
        part = await (await client.get("/overview/figures")).text()
    for html in (page, part):
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html
