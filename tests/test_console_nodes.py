"""The console's 总览 and 网格 views over the ticket workflow's world (SQLite and PostgreSQL):
the same figures as /stats, pressing tickets, scopes, lists an office chases, node search."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.access import Actor, Refused, load_actor
from models.group_service import mark_bot_removed
from models.tickets import Rating
from models.tree import Node
from models.tree_service import node_by_code
from stats.breakdown import build_report
from stats.model import Report
from stats.node_lists import search_nodes, unbound_grids, unreachable_staff
from stats.nodes import browse
from stats.overview import overview
from stats.period import parse_period
from tests.support.synthetic import count_totals
from tests.test_ticket_workflow import (
    CHAT,
    COMMUNITY1,
    DISTRICT,
    FIGHT,
    GRID1,
    GRID2,
    LEAK,
    MISSING,
    NO_CHAT_WORKER,
    NOW,
    OTHER_COMMUNITY_GRID,
    RESIDENT,
    TOWN1,
    W1,
    W2,
    World,
    build_world,
)
from tickets import actions
from tickets.feedback import rate

TZ = ZoneInfo("Asia/Shanghai")
LATER = NOW + timedelta(days=1)  # every ticket below has passed its claim deadline by then
SECOND, THIRD = -1001000000002, -1001000000003


@pytest.fixture
async def world(session_factory: async_sessionmaker[AsyncSession]) -> World:
    """Three bound grids: a leak resolved and rated 满意 in GRID1, a fight open in GRID2, a
    leak open in the neighbouring community, a missing person (urgent) in GRID1 an hour ago."""
    world = await build_world(session_factory)
    await world.bind(SECOND, GRID2)
    await world.bind(THIRD, OTHER_COMMUNITY_GRID)
    leak = await world.open(LEAK)
    await world.run(actions.claim, leak.id, W1, NOW, world.policy)
    await world.run(actions.resolve, leak.id, W1, "修好了", (), NOW, world.policy)
    await world.run(rate, leak.id, RESIDENT, Rating.satisfied, NOW, world.policy)
    await world.open(FIGHT, chat=SECOND)
    await world.open(LEAK, chat=THIRD, user=RESIDENT + 5)
    await world.open(MISSING, now=LATER - timedelta(hours=1), user=RESIDENT + 6)
    return world


async def look(world: World, who: int, code: str) -> tuple[Actor, Node]:
    async with world.session() as s:
        node = await node_by_code(s, code)
        assert node is not None
        return await load_actor(s, who), node


def same_figures(report: Report) -> list[object]:
    t = report.total
    parts = [(p.node.code, p.figures.tickets, p.figures.resolved_share) for p in report.parts]
    return [t.tickets, t.open, t.resolved_share, t.satisfied_share, dict(t.by_category), parts]


async def test_the_overview_and_the_browse_show_the_stats_figures_of_the_same_node_and_period(
    world: World, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    actor, town = await look(world, TOWN1, "PG-01")
    period = parse_period("7d", LATER, TZ)
    for counted in (False, True):  # from the rows, then from the daily totals
        if counted:
            await count_totals(session_factory)
        async with world.session() as s:
            stats = await build_report(s, town, period, daily=True)
            seen = await overview(s, actor, town, period, LATER)
            page = await browse(s, actor, town, period)
        assert same_figures(seen.report) == same_figures(stats)
        assert seen.report.daily == stats.daily  # the chart's data too
        assert seen.report.total.tickets == 4 and seen.report.total.satisfied_share == 1.0
        by_code = {p.node.code: p.figures for p in stats.parts}
        for card in page.children:
            assert card.figures.resolved_share == by_code[card.node.code].resolved_share
        assert {c.node.code: c.open_tickets for c in page.children} == {
            "PG-01-001": 2,
            "PG-01-002": 1,
        }
        assert page.card.open_tickets == 3


async def test_overdue_tickets_come_first_urgent_ones_first_and_claimed_ones_leave(
    world: World,
) -> None:
    actor, community = await look(world, COMMUNITY1, "PG-01-001")
    today = parse_period("今天", LATER, TZ)
    async with world.session() as s:
        seen = await overview(s, actor, community, today, LATER)
    lines = [(t.ticket.category, t.overdue, t.urgent) for t in seen.pressing]
    assert lines == [("missing_person", True, True), ("dispute", True, False)]
    assert seen.pressing_total == 2
    await world.run(actions.claim, seen.pressing[1].ticket.id, W2, LATER, world.policy)
    async with world.session() as s:
        after = await overview(s, actor, community, today, LATER, shown=1)
    assert [t.ticket.category for t in after.pressing] == ["missing_person"]
    assert after.pressing_total == 1


async def test_the_weakest_children_need_the_stated_volume(world: World) -> None:
    actor, town = await look(world, TOWN1, "PG-01")
    period = parse_period("7d", LATER, TZ)
    async with world.session() as s:
        strict = await overview(s, actor, town, period, LATER)
        loose = await overview(s, actor, town, period, LATER, min_volume=1)
    assert strict.min_volume == 10 and strict.weakest_resolved == []
    assert [p.node.code for p in loose.weakest_resolved] == ["PG-01-002", "PG-01-001"]
    assert [p.node.code for p in loose.weakest_satisfied] == ["PG-01-001"]


async def test_a_community_sees_only_its_own_community(world: World) -> None:
    actor, own = await look(world, COMMUNITY1, "PG-01-001")
    _, neighbour = await look(world, COMMUNITY1, "PG-01-002")
    period = parse_period("7d", LATER, TZ)
    async with world.session() as s:
        seen = await overview(s, actor, own, period, LATER)
        for view in (
            overview(s, actor, neighbour, period, LATER),
            browse(s, actor, neighbour, period),
        ):
            with pytest.raises(Refused) as refused:
                await view
            assert refused.value.reason == "scope"
        found = await search_nodes(s, actor, own, "pg-01-002")
    assert all(t.ticket.node_id != neighbour.id for t in seen.pressing)
    assert seen.report.total.tickets == 3
    assert found.items == [] and found.total == 0


async def test_browsing_a_grid_shows_its_groups_staff_reach_and_the_way_up(world: World) -> None:
    await world.set_private_chat(W2, False)  # the outbox met a 403
    async with world.session() as s:
        await mark_bot_removed(s, SECOND, NOW)
    community_admin, community = await look(world, COMMUNITY1, "PG-01-001")
    official, _ = await look(world, DISTRICT, "PG")
    period = parse_period("7d", LATER, TZ)
    async with world.session() as s:
        page = await browse(s, community_admin, community, period)
        grid = await node_by_code(s, GRID1)
        assert grid is not None
        from_top = await browse(s, official, grid, period)
    cards = {c.node.code: c for c in page.children}
    assert [(g.chat_id, g.active) for g in cards[GRID1].groups] == [(CHAT, True)]
    assert [(g.chat_id, g.active) for g in cards[GRID2].groups] == [(SECOND, False)]
    assert [(s.kind, s.reachable) for s in cards[GRID1].staff] == [("grid_worker", True)]
    assert [(s.kind, s.reachable) for s in cards[GRID2].staff] == [("grid_worker", False)]
    assert [s.kind for s in page.card.staff] == ["community_admin"]
    assert page.children_total == 2
    assert [n.code for n in page.crumbs] == ["PG-01-001"]
    assert [n.code for n in from_top.crumbs] == ["PG", "PG-01", "PG-01-001", GRID1]


async def test_the_morning_lists_unbound_grids_and_unreachable_staff(world: World) -> None:
    official, district = await look(world, DISTRICT, "PG")
    _, town = await look(world, DISTRICT, "PG-01")
    async with world.session() as s:
        unbound = await unbound_grids(s, official, town)
        await mark_bot_removed(s, SECOND, NOW)  # the bot was removed: the grid is unbound again
        after = await unbound_grids(s, official, town)
        first_page = await unbound_grids(s, official, district, limit=2)
        second_page = await unbound_grids(s, official, district, offset=2, limit=2)
        nobody = await unreachable_staff(s, official, town)
    assert [n.code for n in unbound.items] == ["PG-01-002-02"]
    assert [n.code for n in after.items] == [GRID2, "PG-01-002-02"]
    assert first_page.total == second_page.total == 6
    assert [n.code for n in first_page.items + second_page.items] == [
        GRID2,
        "PG-01-002-02",
        "PG-02-001-01",
        "PG-02-001-02",
    ]
    assert [(u.person.telegram_user_id, u.node.code) for u in nobody.items] == [
        (NO_CHAT_WORKER, "PG-01-002-02")
    ]


async def test_nodes_are_found_by_code_in_any_case_or_by_name(world: World) -> None:
    actor, town = await look(world, TOWN1, "PG-01")
    async with world.session() as s:
        by_code = await search_nodes(s, actor, town, "pg-01-001")
        by_name = await search_nodes(s, actor, town, "承平里")
        both_grids = await search_nodes(s, actor, town, "1-2号楼")
    assert [h.node.code for h in by_code.items] == ["PG-01-001", GRID1, GRID2]
    assert [h.node.code for h in by_name.items] == ["PG-01-002"]
    assert [h.node.code for h in both_grids.items] == [GRID1, "PG-01-002-01"]
    assert both_grids.items[0].path == "平谷区 › 滨河街道 › 府前社区 › 1-2号楼网格"
