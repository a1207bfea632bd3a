"""The console's ticket board (工单): filters, scope, sorting, paging and counting, on both
backends, over tickets placed on the demo district with known times, texts and states."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import select

from core.vocabulary import Category, Priority, TicketStatus
from models.access import load_actor
from models.groups import Group
from models.tickets import Ticket
from models.totals_write import count_opened
from models.tree_service import node_by_code
from tests.test_ticket_workflow import (
    COMMUNITY1,
    COMMUNITY2,
    DISTRICT,
    FIGHT,
    LEAK,
    World,
    build_world,
)
from tests.test_ticket_workflow import NOW as OPENED
from tickets import board_sql
from tickets.board import BadFilter, BoardFilter, Problem, Sort, parse_filter
from tickets.board_page import BoardPage, board_page
from tickets.escalation import sweep
from tickets.events import NotifyStaff

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2025, 6, 10, 12, 0, tzinfo=TZ)
DAY = timedelta(days=1)


@dataclass
class Board:
    world: World
    ids: dict[str, int]  # a short name per placed ticket
    district_id: int

    async def page(self, params: dict[str, str], who: int = DISTRICT) -> BoardPage:
        async with self.world.session() as s:
            actor = await load_actor(s, who)
            scope = actor.nodes()[0]
            assert scope.id is not None
            f = parse_filter(params, scope.id, TZ)
            return await board_page(s, f, NOW)

    async def shown(self, params: dict[str, str], who: int = DISTRICT) -> list[str]:
        names = {number: name for name, number in self.ids.items()}
        return [names[row.id] for row in (await self.page(params, who)).rows]


async def place(
    s: AsyncSession,
    code: str,
    text: str,
    at: datetime,
    *,
    status: TicketStatus = TicketStatus.new,
    category: Category = Category.REPAIR,
    priority: Priority = Priority.NORMAL,
    claim_due: datetime | None = None,
    resolve_due: datetime | None = None,
) -> int:
    node = await node_by_code(s, code)
    group = (await s.execute(select(Group))).scalars().first()
    assert node is not None and node.id is not None and group is not None and group.id
    ticket = Ticket(
        category=category, priority=priority, status=status, text=text,
        reporter_user_id=7000001, reporter_name="王大妈", group_id=group.id,
        node_id=node.id, handling_node_id=node.id, created_at=at, updated_at=at,
        claim_due_at=claim_due, resolve_due_at=resolve_due,
    )  # fmt: skip
    s.add(ticket)
    await s.flush()
    await count_opened(s, ticket.id)  # the daily totals, as the workflow keeps them
    assert ticket.id is not None
    return ticket.id


@pytest.fixture
async def board(session_factory: async_sessionmaker[AsyncSession]) -> Board:
    world = await build_world(session_factory)
    ids: dict[str, int] = {}
    async with world.session() as s:
        ids["leak"] = await place(s, "PG-01-001-01", "厨房漏水 电话13812345678", NOW - 5 * DAY)
        ids["lamp"] = await place(
            s, "PG-01-001-02", "楼道灯坏了 Lamp BROKEN", NOW - 4 * DAY,
            status=TicketStatus.claimed, priority=Priority.HIGH,
            resolve_due=NOW - DAY,
        )  # fmt: skip
        ids["noise"] = await place(
            s, "PG-01-002-01", "邻居噪音扰民", NOW - 3 * DAY,
            category=Category.DISPUTE, claim_due=NOW + DAY,
        )  # fmt: skip
        ids["fire"] = await place(
            s, "PG-02-001-01", "消防通道被堵 #7 号楼", NOW - 2 * DAY,
            category=Category.SAFETY, priority=Priority.URGENT, claim_due=NOW - timedelta(hours=1),
        )  # fmt: skip
        ids["done"] = await place(
            s, "PG-01-001-01", "=HYPERLINK(\"http://x\")已修好", NOW - DAY,
            status=TicketStatus.closed,
        )  # fmt: skip
        district = await node_by_code(s, "PG")
        assert district is not None and district.id is not None
    return Board(world, ids, district.id)


# --- parameters --------------------------------------------------------------------------------


def test_every_bad_value_is_reported_by_field_and_none_is_an_error_page() -> None:
    params = {
        "status": "new,bogus", "category": "none", "priority": "very", "from": "2025-13-01",
        "to": "yesterday", "overdue": "maybe", "sort": "random", "page": "x", "size": "999",
    }  # fmt: skip
    with pytest.raises(BadFilter) as bad:
        parse_filter(params, 1, TZ)
    found = {(p.field, p.value, p.problem) for p in bad.value.problems}
    assert found == {
        ("status", "bogus", Problem.unknown), ("category", "none", Problem.unknown),
        ("priority", "very", Problem.unknown), ("from", "2025-13-01", Problem.not_a_day),
        ("to", "yesterday", Problem.not_a_day), ("overdue", "maybe", Problem.unknown),
        ("sort", "random", Problem.unknown), ("page", "x", Problem.not_a_number),
        ("size", "999", Problem.out_of_range),
    }  # fmt: skip


def test_a_period_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(BadFilter) as bad:
        parse_filter({"from": "2025-06-05", "to": "2025-06-04"}, 1, TZ)
    assert [(p.field, p.problem) for p in bad.value.problems] == [("to", Problem.reversed)]


def test_days_are_district_days_and_the_filter_gives_its_parameters_back() -> None:
    params = {
        "status": "new,claimed", "category": "repair", "priority": "high", "node": "pg-01",
        "from": "2025-06-01", "to": "2025-06-03", "overdue": "1", "q": "漏水", "sort": "deadline",
        "page": "3", "size": "20",
    }  # fmt: skip
    f = parse_filter(params, 1, TZ)
    assert f.since == datetime(2025, 5, 31, 16, 0, tzinfo=ZoneInfo("UTC"))
    assert f.until == datetime(2025, 6, 3, 16, 0, tzinfo=ZoneInfo("UTC"))
    assert f.to_query() == {**params, "node": "PG-01"}
    assert "page" not in f.to_query(paged=False) and "size" not in f.to_query(paged=False)
    assert parse_filter({}, 1, TZ).to_query() == {}
    assert parse_filter(f.to_query(), 1, TZ) == f


# --- scope and filters -------------------------------------------------------------------------


async def test_the_district_sees_everything_newest_first(board: Board) -> None:
    assert await board.shown({}) == ["done", "fire", "noise", "lamp", "leak"]
    page = await board.page({})
    assert (page.total, page.exact, page.pages) == (5, True, 1)


async def test_a_community_admin_never_sees_another_communitys_tickets(board: Board) -> None:
    assert await board.shown({}, who=COMMUNITY1) == ["done", "lamp", "leak"]
    assert await board.shown({}, who=COMMUNITY2) == ["noise"]
    with pytest.raises(BadFilter) as bad:
        await board.page({"node": "PG-01-001-01"}, who=COMMUNITY2)
    assert bad.value.problems[0].field == "node"
    with pytest.raises(BadFilter):
        await board.page({"node": "PG-99"})


async def test_each_filter_narrows_the_list(board: Board) -> None:
    assert await board.shown({"status": "claimed,closed"}) == ["done", "lamp"]
    assert await board.shown({"category": "dispute"}) == ["noise"]
    assert await board.shown({"priority": "urgent"}) == ["fire"]
    assert await board.shown({"node": "PG-01"}) == ["done", "noise", "lamp", "leak"]
    assert await board.shown({"node": "pg-01-001-01"}) == ["done", "leak"]
    day = (NOW - 3 * DAY).date().isoformat()
    assert await board.shown({"from": day, "to": day}) == ["noise"]
    assert await board.shown({"from": day}) == ["done", "fire", "noise"]
    assert await board.shown({"overdue": "1"}) == ["fire", "lamp"]


async def test_filters_combine(board: Board) -> None:
    assert await board.shown({"node": "PG-01", "status": "new", "category": "repair"}) == ["leak"]
    assert await board.shown({"overdue": "1", "priority": "high"}) == ["lamp"]
    assert await board.shown({"node": "PG-02", "status": "closed"}) == []


async def test_text_search_finds_chinese_any_case_and_ticket_numbers(board: Board) -> None:
    assert await board.shown({"q": "漏水"}) == ["leak"]
    assert await board.shown({"q": "lamp broken"}) == ["lamp"]
    assert await board.shown({"q": "100%"}) == []
    number = board.ids["noise"]
    assert await board.shown({"q": f"#{number}"}) == ["noise"]
    assert await board.shown({"q": "#7"}) == ["fire"]  # its text; there is no ticket 7


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("楼", ["fire", "lamp"]),  # 1 character: the gram index on PostgreSQL
        ("水", ["leak"]),
        ("道", ["fire", "lamp"]),
        ("漏水", ["leak"]),  # 2 characters: a pair
        ("号楼", ["fire"]),
        ("灯坏", ["lamp"]),
        ("楼道灯", ["lamp"]),  # 3 or more: the trigram index
        ("噪音扰民", ["noise"]),
        ("L", ["done", "lamp"]),  # any case (HYPERLINK, Lamp)
        ("oK", ["lamp"]),
        ("%", []),
        ("_", []),
        ("水漏", []),
    ],
)
async def test_short_and_long_searches_find_exactly_the_tickets_holding_them(
    board: Board, query: str, found: list[str]
) -> None:
    assert await board.shown({"q": query}) == found
    number = board.ids["lamp"]
    assert await board.shown({"q": f"#{number}"}) == ["lamp"]


# --- rows --------------------------------------------------------------------------------------


async def test_rows_carry_the_place_deadline_and_masked_words(board: Board) -> None:
    rows = {row.id: row for row in (await board.page({})).rows}
    leak, lamp = rows[board.ids["leak"]], rows[board.ids["lamp"]]
    assert "13812345678" not in leak.excerpt and "138****5678" in leak.excerpt
    assert (leak.grid_code, leak.handling_code, leak.deadline, leak.overdue) == (
        "PG-01-001-01", "PG-01-001-01", None, False,
    )  # fmt: skip
    assert lamp.deadline == NOW - DAY and lamp.overdue
    assert rows[board.ids["noise"]].deadline == NOW + DAY


# --- sorting, paging, counting -----------------------------------------------------------------


async def test_each_sort_orders_the_whole_list(board: Board) -> None:
    assert await board.shown({"sort": "oldest"}) == ["leak", "lamp", "noise", "fire", "done"]
    assert await board.shown({"sort": "priority"}) == ["fire", "lamp", "done", "noise", "leak"]
    assert await board.shown({"sort": "deadline"}) == ["lamp", "fire", "noise", "leak", "done"]
    assert await board.shown({"sort": "updated"}) == ["done", "fire", "noise", "lamp", "leak"]
    assert await board.shown({"sort": "deadline", "overdue": "1"}) == ["lamp", "fire"]
    assert await board.shown({"sort": "deadline", "status": "closed"}) == ["done"]
    assert await board.shown({"sort": "deadline", "status": "closed", "overdue": "1"}) == []


@pytest.mark.parametrize("sort", list(Sort))
async def test_pages_of_two_add_up_to_the_whole_list_from_either_end(
    board: Board, sort: Sort
) -> None:
    whole = await board.shown({"sort": sort.value})
    pages = [
        await board.shown({"sort": sort.value, "size": "2", "page": str(n)}) for n in (1, 2, 3)
    ]
    assert pages[0] + pages[1] + pages[2] == whole
    assert await board.shown({"sort": sort.value, "size": "2", "page": "4"}) == []


async def test_counts_from_the_totals_agree_with_counting_the_rows(
    board: Board, monkeypatch: pytest.MonkeyPatch
) -> None:
    cases = [
        {},
        {"status": "new"},
        {"category": "repair"},
        {"node": "PG-01", "from": "2025-06-07"},
    ]
    from_totals = [(await board.page(c)).total for c in cases]
    monkeypatch.setattr(board_sql, "_count_from_totals", _no_totals)
    assert [(await board.page(c)).total for c in cases] == from_totals == [5, 3, 3, 2]


async def test_beyond_the_cap_the_count_is_a_lower_bound(
    board: Board, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(board_sql, "COUNT_CAP", 1)
    page = await board.page({"q": "楼", "size": "1"})
    assert (page.total, page.exact, page.has_next) == (1, False, True)
    exact = await board.page({"status": "new"})  # the daily totals still count it exactly
    assert (exact.total, exact.exact) == (3, True)


async def _no_totals(*_args: object) -> None:
    return None


def test_a_filter_on_another_page_keeps_everything_else() -> None:
    f = BoardFilter(scope_id=1, zone=TZ, text="漏水", page=2)
    assert f.on_page(3) == replace(f, page=3) and f.on_page(3).offset == 2 * f.page_size


# --- overdue, as the SLA sweep sees it ---------------------------------------------------------


async def test_overdue_on_the_board_is_what_the_sweep_escalates(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    world = await build_world(session_factory)
    leak, fight = await world.open(LEAK), await world.open(FIGHT)  # normal 2 h, high 30 min
    later = OPENED + timedelta(hours=1)
    flagged = [row.id for row in (await _district_page(world, {"overdue": "1"}, later)).rows]
    assert flagged == [fight.id] and leak.id not in flagged
    notices = await sweep(world.db, later, world.policy)
    escalated = {n.ticket_id for n in notices if isinstance(n, NotifyStaff)}
    assert escalated == set(flagged)
    after = await _district_page(world, {"overdue": "1"}, later)
    assert after.rows == []  # escalated: a new deadline at the level above


async def _district_page(world: World, params: dict[str, str], now: datetime) -> BoardPage:
    async with world.session() as s:
        district = await node_by_code(s, "PG")
        assert district is not None and district.id is not None
        return await board_page(s, parse_filter(params, district.id, TZ), now)
