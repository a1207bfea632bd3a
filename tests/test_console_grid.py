"""The console's 网格 page through aiohttp's test client, on SQLite and PostgreSQL: browsing the
tree with each child's groups, staff and reach, open tickets, 办结率, 满意率 and headcount (as
stats.nodes.browse gives them), search by code or name, the unbound grids and unreachable staff
lists, paging, scopes and escaping."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import select

from console import grid as grid_page
from core.clock import FakeClock
from core.db import session_scope
from core.timezone import district_zone
from core.vocabulary import TicketStatus
from models.access import load_person_actor
from models.groups import Group
from models.people import Person
from models.tree_service import node_by_code
from stats.node_lists import unbound_grids, unreachable_staff
from stats.nodes import NodeBrowse, browse
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
SECOND = "PG-01-001-02"  # its group has gone (inactive): unbound again
COMMUNITY = "PG-01-001"


@pytest.fixture
async def factory(session_factory: Factory) -> Factory:
    """The small district; GRID's group bound and active, SECOND's left; 黄秀英 (W0001) and
    李强 (C0001) opened the bot's private chat; two open and one resolved ticket in GRID, one
    open in SECOND."""
    await small_district(session_factory)
    now = FakeClock().now()
    async with session_scope(session_factory) as s:
        first, second = await node_by_code(s, GRID), await node_by_code(s, SECOND)
        assert first is not None and second is not None
        s.add(Group(chat_id=-100777, title="府前一网格群", node_id=first.id))
        s.add(Group(chat_id=-100778, title="三到六号楼群", node_id=second.id, active=False))
        for key in ("W0001", "C0001"):
            person = (await s.execute(select(Person).where(Person.key == key))).scalar_one()
            person.private_chat = True
        await s.flush()
        for code, text, status in (
            (GRID, "漏水", TicketStatus.new),
            (GRID, "堆物", TicketStatus.claimed),
            (GRID, "路灯", TicketStatus.resolved),
            (SECOND, "噪音", TicketStatus.new),
        ):
            await place(s, code, text, now - timedelta(days=1), status=status)
    return session_factory


async def browsed(factory: Factory, key: str, code: str, word: str = "7d") -> NodeBrowse:
    async with factory() as s:
        who = await load_person_actor(s, await person_id(factory, key))
        node = await node_by_code(s, code)
        assert who is not None and node is not None
        return await browse(s, who, node, parse_period(word, FakeClock().now(), TZ))


def rows(html: str) -> dict[str, str]:
    """The children table: code → the row's HTML."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    found = {}
    for row in body.split("<tr")[1:]:
        code = re.search(r"<code>([^<]+)</code>", row)
        assert code is not None
        found[code.group(1)] = row
    return found


def numbers(row: str) -> list[str]:
    return [cell.strip() for cell in re.findall(r'<td class="num">([^<]*)</td>', row)]


def pct(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.1f}%"


async def get(factory: Factory, key: str, *paths: str) -> list[tuple[int, str]]:
    """Each path's status and text, as the staff member `key`."""
    clock = FakeClock()
    async with console_client(factory, clock) as client:
        await log_in(client, factory, clock, key)
        answers = []
        for path in paths:
            response = await client.get(path)
            answers.append((response.status, await response.text()))
    return answers


async def test_every_page_renders_for_an_official_and_a_community_admin(
    factory: Factory,
) -> None:
    paths = ("/grid", f"/grid?node={GRID}", "/grid/unbound", "/grid/unreachable", "/grid?q=府前")
    for key in ("D0001", "C0001"):
        answers = await get(factory, key, *paths)
        assert [status for status, _ in answers] == [200] * len(paths), key
        assert all('<a href="/grid" aria-current="page">网格</a>' in t for _, t in answers)


async def test_the_children_are_the_browse_cards_with_groups_staff_and_figures(
    factory: Factory,
) -> None:
    seen = await browsed(factory, "C0001", COMMUNITY)
    [(status, html)] = await get(factory, "C0001", "/grid")
    assert status == 200
    shown = rows(html)
    assert list(shown) == [c.node.code for c in seen.children] == [GRID, SECOND]
    for card in seen.children:
        f = card.figures
        assert numbers(shown[card.node.code]) == [
            str(card.open_tickets),
            pct(f.resolved_share),
            pct(f.satisfied_share),
            "—",
        ]
    assert [c.open_tickets for c in seen.children] == [2, 1]
    assert "府前一网格群" in shown[GRID] and "黄秀英（网格员）可私信" in shown[GRID]
    assert "三到六号楼群（已停用）" in shown[SECOND]
    assert '马玉兰（网格员）<strong class="late">无法私信</strong>' in shown[SECOND]
    assert "李强（社区管理员）可私信" in html  # the node's own staff
    assert f'<a href="/grid?node={GRID}&amp;period=7d">1-2号楼网格</a>' in shown[GRID]
    assert f"未办结工单（现在）</dt><dd>{seen.card.open_tickets} 件" in html


async def test_the_way_down_and_back_up(factory: Factory) -> None:
    [(_, top), (_, grid)] = await get(factory, "D0001", "/grid", f"/grid?node={GRID}")
    assert list(rows(top)) == ["PG-01", "PG-02"]
    crumbs = grid.split('class="crumbs">', 1)[1].split("</nav>", 1)[0]
    assert re.findall(r'node=([^&"]+)', crumbs) == ["PG", "PG-01", COMMUNITY, GRID]
    assert "这是最末一级，没有下级" in grid and "府前一网格群" in grid


async def test_a_community_admin_gets_403_outside_their_community(factory: Factory) -> None:
    paths = [
        "/grid?node=PG-01-002",
        "/grid?node=PG-01",
        "/grid/unbound?node=PG-01-002",
        "/grid/unreachable?node=PG-02",
    ]
    answers = await get(factory, "C0001", *paths)
    assert [status for status, _ in answers] == [403] * len(paths)
    assert "PG-01-002 不在您负责的范围内" in answers[0][1]


async def test_search_finds_a_grid_by_code_or_name_inside_the_scope(factory: Factory) -> None:
    by_code, by_name, outside = await get(
        factory, "C0001", "/grid?q=pg-01-001-02", "/grid?q=3-6号楼", "/grid?q=承平里"
    )
    for _, html in (by_code, by_name):
        assert "共 1 个节点" in html
        assert (
            f'<a href="/grid?node={SECOND}&amp;period=7d">平谷区 › 滨河街道 › 府前社区 › ' in html
        )
    assert "共 0 个节点" in outside[1] and "没有编码或名称包含“承平里”的节点" in outside[1]
    [(_, everywhere)] = await get(factory, "D0001", "/grid?q=1-2号楼")
    assert "共 3 个节点" in everywhere


async def test_the_unbound_grids_are_those_without_an_active_group(factory: Factory) -> None:
    async with factory() as s:
        who = await load_person_actor(s, await person_id(factory, "D0001"))
        district = await node_by_code(s, "PG")
        assert who is not None and district is not None
        expected = await unbound_grids(s, who, district)
    [(_, own)] = await get(factory, "C0001", "/grid/unbound")
    [(_, everywhere)] = await get(factory, "D0001", "/grid/unbound")
    assert re.findall(r"<code>(PG-[\d-]+)</code></td>", own) == [SECOND]
    listed = re.findall(r"<code>(PG-[\d-]+)</code></td>", everywhere.split("<tbody>")[1])
    assert listed == [n.code for n in expected.items] and GRID not in listed
    assert f"共 {expected.total} 个" in everywhere and expected.total == 7


async def test_the_unreachable_staff_are_those_the_bot_cannot_write_to(factory: Factory) -> None:
    async with factory() as s:
        who = await load_person_actor(s, await person_id(factory, "D0001"))
        town = await node_by_code(s, "PG-01")
        assert who is not None and town is not None
        expected = await unreachable_staff(s, who, town)
    [(_, own)] = await get(factory, "C0001", "/grid/unreachable")
    names = re.findall(r"<tr>\s*<td>([^<]+)</td>\s*<td>([^<]+)</td>", own)
    assert names == [("马玉兰", "网格员")]
    [(_, listed)] = await get(factory, "T0001", "/grid/unreachable")
    assert re.findall(r"<tr>\s*<td>([^<]+)</td>", listed) == [
        u.person.name for u in expected.items
    ]
    assert "黄秀英" not in listed and "李强" not in listed


async def test_the_lists_and_the_children_are_paged(
    factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(grid_page, "PAGE", 3)
    monkeypatch.setattr(grid_page, "CHILDREN_PAGE", 1)
    first, second, third, children, more = await get(
        factory, "D0001",
        "/grid/unbound?node=PG", "/grid/unbound?node=PG&page=2", "/grid/unbound?node=PG&page=3",
        f"/grid?node={COMMUNITY}", f"/grid?node={COMMUNITY}&page=2",
    )  # fmt: skip
    pages = [re.findall(r"<code>(PG-[\d-]+)</code></td>", t) for _, t in (first, second, third)]
    assert [len(p) for p in pages] == [3, 3, 1] and len({c for p in pages for c in p}) == 7
    assert '<a href="/grid/unbound?node=PG&amp;period=7d&amp;page=2" rel="next">' in first[1]
    assert "第 3 页，共 3 页" in third[1] and 'rel="next"' not in third[1]
    assert list(rows(children[1])) == [GRID] and list(rows(more[1])) == [SECOND]
    assert "下级（共 2 个）" in children[1] and 'rel="prev"' in more[1]


async def test_a_bad_period_is_worded_on_the_page(factory: Factory) -> None:
    [(status, html)] = await get(factory, "C0001", "/grid?period=range&from=2026-11-05")
    assert status == 200 and "时段有误，请修改：请同时填写开始日期和结束日期。" in html
    [(status, html)] = await get(factory, "C0001", "/grid?period=30d")
    assert status == 200 and "2026-10-26 至 2026-11-24</dt>" in html


async def test_markup_in_a_node_name_shows_as_text(factory: Factory) -> None:
    async with session_scope(factory) as s:
        second = await node_by_code(s, SECOND)
        assert second is not None
        second.name = "<script>alert(1)</script>"
    answers = await get(
        factory, "C0001", "/grid", "/grid/unbound", "/grid?q=script", f"/grid?node={SECOND}"
    )
    for status, html in answers:
        assert status == 200
        assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


async def test_each_child_shows_the_latest_headcount(factory: Factory) -> None:
    now = FakeClock().now()
    async with session_scope(factory) as s:
        community, grid = await node_by_code(s, COMMUNITY), await node_by_code(s, GRID)
        admin = await s.get(Person, await person_id(factory, "C0001"))
        worker = await s.get(Person, await person_id(factory, "W0001"))
        assert community and grid and admin and worker
        await open_round(s, community, admin, now, TZ, now + timedelta(hours=2))
        await answer(s, grid, worker, 126, now, TZ)
    seen = await browsed(factory, "C0001", COMMUNITY)
    [(_, html)] = await get(factory, "C0001", "/grid")
    counts = [c.figures.headcount for c in seen.children]
    assert [(h.total, h.answered_grids) if h else None for h in counts] == [(126, 1), (0, 0)]
    assert [numbers(row)[-1] for row in rows(html).values()] == ["126（1/1）", "0（0/1）"]
    assert "126 人，已报 1 个网格，未报 1 个" in html  # the community's own card
