"""The 网格 cards' figures (stats.node_figures through stats.nodes.browse) equal the /stats way
of computing them (stats.breakdown.build_report: part_figures, the headcount rolled up in
Python by work.rollup; open tickets counted from the tickets), for every node of a small
district, from the daily totals and recounted from the rows (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from core.clock import FakeClock
from core.db import session_scope
from core.timezone import district_zone
from core.vocabulary import Category, TicketStatus
from models.access import load_person_actor
from models.groups import Group
from models.people import Person
from models.tickets import Rating, Ticket
from models.tree import Level, Node, child_lineage
from models.tree_service import node_by_code
from stats.breakdown import build_report
from stats.model import Figures
from stats.nodes import browse
from stats.period import parse_period
from tests.support.console import console_settings, person_id, small_district
from tests.support.synthetic import count_totals
from tests.test_ticket_board import place
from work.headcount import answer, open_round

Factory = async_sessionmaker[AsyncSession]
TZ = district_zone(console_settings())
STATUSES = list(TicketStatus)
RATINGS = [None, *Rating]


async def fill_district(factory: Factory) -> None:
    """Tickets of every status, category and rating on every grid, inside the week and before
    it; a grid nested under the first grid (which then does not count); a district round
    answered by some grids, then a newer round for the first town answered by fewer."""
    await small_district(factory)
    now = FakeClock().now()
    async with session_scope(factory) as s:
        grids = list(
            (await s.execute(select(Node).where(Node.level == Level.micro_grid))).scalars()
        )
        s.add(Group(chat_id=-100777, title="府前一网格群", node_id=grids[0].id))
        nested = Node(code="PG-X", name="楼栋", level=Level.micro_grid, parent_id=grids[0].id)
        nested.lineage = "pending"
        s.add(nested)
        await s.flush()
        assert nested.id is not None
        nested.lineage = child_lineage(grids[0], nested.id)
        for i, grid in enumerate([*grids, nested]):
            for j in range(i % 4 + 2):
                number = i * 7 + j
                at = now - timedelta(days=(number % 3) * 4, hours=j)
                category = list(Category)[number % len(Category)]
                status = STATUSES[number % len(STATUSES)]
                ticket_id = await place(s, grid.code, "事", at, status=status, category=category)
                ticket = await s.get(Ticket, ticket_id)
                assert ticket is not None
                ticket.rating = RATINGS[number % len(RATINGS)]
        official = (await s.execute(select(Person).where(Person.key == "D0001"))).scalar_one()
        district, town = await node_by_code(s, "PG"), await node_by_code(s, "PG-01")
        assert district and town
        await open_round(s, district, official, now, TZ, now + timedelta(hours=2))
        for count, grid in enumerate(grids[::2], start=100):
            await answer(s, grid, official, count, now, TZ)
        await open_round(s, town, official, now, TZ, now + timedelta(hours=2))
        await answer(s, grids[0], official, 7, now, TZ)  # a grid below it: not counted
        await answer(s, nested, official, 5, now, TZ)  # in both rounds
    await count_totals(factory)  # the ratings set above


def shown(figures: Figures) -> tuple[object, ...]:
    """What a card shows, and the counts behind it."""
    h = figures.headcount
    return (
        figures.tickets,
        figures.resolved_share,
        figures.satisfied_share,
        dict(figures.by_status),
        dict(figures.by_rating),
        dict(figures.by_category),
        (h.total, h.answered_grids, h.missing_grids) if h else None,
    )


async def open_by_lineage(s: AsyncSession, node: Node) -> int:
    """Tickets open now in the node's subtree, counted one by one."""
    rows = await s.execute(
        select(Ticket.status, Node.lineage).join(Node, col(Node.id) == Ticket.node_id)
    )
    return sum(
        1
        for status, lineage in rows.all()
        if lineage.startswith(node.lineage) and TicketStatus(status).is_open
    )


@pytest.mark.parametrize("zone", ["district", "UTC"])  # UTC: the totals are not usable
async def test_every_card_shows_what_stats_shows(session_factory: Factory, zone: str) -> None:
    await fill_district(session_factory)
    tz = TZ if zone == "district" else ZoneInfo("UTC")
    period = parse_period("7d", FakeClock().now(), tz)
    official = await person_id(session_factory, "D0001")
    async with session_factory() as s:
        actor = await load_person_actor(s, official)
        nodes = list((await s.execute(select(Node).order_by(Node.code))).scalars())
        checked = 0
        for node in nodes:
            seen = await browse(s, actor, node, period)
            report = await build_report(s, node, period)
            parts = {p.node.id: p.figures for p in report.parts if not p.own_level}
            assert shown(seen.card.figures) == shown(report.total), node.code
            assert seen.card.open_tickets == await open_by_lineage(s, node), node.code
            for card in seen.children:
                assert shown(card.figures) == shown(parts[card.node.id]), card.node.code
                assert card.open_tickets == await open_by_lineage(s, card.node)
                checked += 1
    assert checked >= 10
