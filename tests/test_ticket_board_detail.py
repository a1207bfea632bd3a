"""The board's ticket page (history, photos, masked resident, who may open it) and its CSV
export (every match, streamed in chunks, cells neutralised), on both backends."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.vocabulary import EventKind
from models.access import Refused, load_actor
from stats.board_export import board_csv
from tests.test_ticket_board import NOW, TZ, Board, board
from tests.test_ticket_workflow import COMMUNITY1, COMMUNITY2, W1, World, build_world
from tickets import actions
from tickets.access import Refusal
from tickets.board import parse_filter
from tickets.board_detail import may_see, ticket_detail

__all__ = ["board"]  # the fixture, shared with tests/test_ticket_board.py

REPORT = "我家厨房水管漏水了，电话13812345678"


@pytest.fixture
async def world(session_factory: async_sessionmaker[AsyncSession]) -> World:
    return await build_world(session_factory)


async def test_the_page_shows_the_whole_history_photos_and_the_resident_masked(
    world: World,
) -> None:
    ticket = await world.open(REPORT, photos=("leak-photo",))
    await world.run(actions.claim, ticket.id, W1, ticket.created_at, world.policy)
    await world.run(
        actions.add_note, ticket.id, W1, "明早上门，联系13812345678", ticket.created_at
    )
    assert ticket.id is not None
    async with world.session() as s:
        shown = await ticket_detail(s, ticket.id, await load_actor(s, COMMUNITY1), NOW)
    assert [line.kind for line in shown.history] == [
        EventKind.opened, EventKind.routed, EventKind.claimed, EventKind.noted,
    ]  # fmt: skip
    assert shown.history[0].who == "王**" and shown.history[2].who == shown.assignee != ""
    assert "13812345678" not in shown.text + shown.history[3].text
    assert shown.resident == "王**" and shown.photos == ("leak-photo",)
    assert shown.row.grid_code == "PG-01-001-01" and shown.row.status == "claimed"


async def test_another_communitys_ticket_is_refused_and_an_unknown_one_is_unknown(
    world: World,
) -> None:
    ticket = await world.open(REPORT)
    assert ticket.id is not None
    async with world.session() as s:
        stranger = await load_actor(s, COMMUNITY2)
        assert not await may_see(s, stranger, ticket.id)
        assert await may_see(s, await load_actor(s, COMMUNITY1), ticket.id)
        with pytest.raises(Refused) as refused:
            await ticket_detail(s, ticket.id, stranger, NOW)
        assert refused.value.reason is Refusal.forbidden
        with pytest.raises(Refused) as refused:
            await ticket_detail(s, 424242, stranger, NOW)
        assert refused.value.reason is Refusal.unknown


async def _export(board: Board, params: dict[str, str], chunk: int) -> tuple[list[bytes], str]:
    async with board.world.session() as s:
        f = parse_filter(params, board.district_id, TZ)
        chunks = [piece async for piece in board_csv(s, f, NOW, chunk=chunk)]
    return chunks, b"".join(chunks).decode("utf-8")


async def test_the_csv_holds_every_match_in_chunks_with_formulas_neutralised(board: Board) -> None:
    chunks, text = await _export(board, {"size": "1"}, chunk=2)
    assert len(chunks) == 1 + 3  # the heading, then 5 tickets two at a time
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0][:2] == ["工单号", "登记时间(北京时间)"]
    assert [int(r[0]) for r in rows[1:]] == [
        board.ids[name] for name in ("done", "fire", "noise", "lamp", "leak")
    ]
    described = {int(r[0]): r[12] for r in rows[1:]}
    assert described[board.ids["done"]].startswith("'=HYPERLINK(")
    assert "138****5678" in described[board.ids["leak"]]


async def test_the_csv_follows_the_filter_and_its_order(board: Board) -> None:
    _chunks, text = await _export(board, {"status": "new", "sort": "deadline"}, chunk=100)
    rows = list(csv.reader(io.StringIO(text[1:])))[1:]
    assert [int(r[0]) for r in rows] == [board.ids[n] for n in ("fire", "noise", "leak")]
    assert await board.shown({"status": "new", "sort": "deadline"}) == ["fire", "noise", "leak"]
