"""The console's 寻人 and 人口统计 views, and 最新情况 / 已找到 taken with an Actor as a web page
holds it (no chat): the same rows as the chat commands (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from models.access import Actor, Refused, load_actor
from models.alerts import AlertStatus
from models.broadcasts import Broadcast, BroadcastDelivery, BroadcastKind, DeliveryStatus, EditMode
from models.outgoing import OutgoingMessage
from models.tree import Node
from models.tree_service import node_by_code
from tests.test_ticket_alerts import FATHER, LATER, TEXTS, confirm
from tests.test_ticket_alerts import world as world
from tests.test_ticket_workflow import (
    CHAT,
    COMMUNITY1,
    COMMUNITY2,
    GRID1,
    GRID2,
    NOW,
    TOWN1,
    W1,
    W2,
    World,
)
from tickets.alert_actions import post_alert_update, report_found
from tickets.alert_board import alerts_under
from work.headcount import answer, open_round
from work.headcount_board import headcount_board

TZ = ZoneInfo("Asia/Shanghai")


async def look(world: World, who: int, code: str) -> tuple[Actor, Node]:
    async with world.session() as s:
        node = await node_by_code(s, code)
        assert node is not None
        return await load_actor(s, who), node


async def board(world: World, who: int, code: str, **kw: Any) -> list[Any]:
    actor, node = await look(world, who, code)
    async with world.session() as s:
        return await alerts_under(s, actor, node, kw.pop("now", LATER), **kw)


async def test_an_active_alert_shows_its_copies_time_and_latest_news(world: World) -> None:
    ticket = await world.open(FATHER)
    sent = await confirm(world, ticket.id)  # to the town: three bound groups
    async with world.session() as s:  # the courier delivered the copy to the reporter's group
        await s.execute(
            update(BroadcastDelivery)
            .where(
                col(BroadcastDelivery.broadcast_id) == sent.broadcast.id,
                col(BroadcastDelivery.chat_id) == CHAT,
            )
            .values(status=DeliveryStatus.delivered)
        )
    town_admin, _ = await look(world, TOWN1, "PG-01")
    async with world.session() as s:
        await post_alert_update(s, ticket.id or 0, town_admin, "有人在汽车站见过", TEXTS, NOW)

    (line,) = await board(world, TOWN1, "PG-01")
    assert (line.copies_delivered, line.copies_total) == (1, 3)
    assert line.seconds_since_report == 2 * 3600 + 15 * 60
    assert (line.latest, line.latest_at, line.found) == ("有人在汽车站见过", NOW, False)
    assert (line.grid.code, line.reach.code) == (GRID1, "PG-01")
    async with world.session() as s:
        edits = await s.execute(select(Broadcast).where(Broadcast.source_id == sent.broadcast.id))
        assert [(b.kind, b.edit_mode) for b in edits.scalars()] == [
            (BroadcastKind.edit, EditMode.update)
        ]


async def test_found_from_the_console_edits_the_copies_tells_the_group_and_leaves_the_list(
    world: World,
) -> None:
    ticket = await world.open(FATHER)
    await confirm(world, ticket.id)
    community_admin, _ = await look(world, COMMUNITY1, "PG-01-001")
    async with world.session() as s:
        done = await report_found(s, ticket.id or 0, community_admin, "在公园找到", TEXTS, LATER)
    assert done.notices == []  # the group line is written already, nothing left for the caller
    assert done.broadcast is not None and done.broadcast.edit_mode is EditMode.found
    async with world.session() as s:
        told = await s.execute(select(OutgoingMessage).where(OutgoingMessage.chat_id == CHAT))
        assert any("在公园找到" in (m.text or "") for m in told.scalars())

    assert await board(world, COMMUNITY1, "PG-01-001") == []
    (found,) = await board(world, COMMUNITY1, "PG-01-001", status=AlertStatus.found)
    assert found.found and found.seconds_since_report == 2 * 3600 + 15 * 60
    with pytest.raises(Refused) as again:
        async with world.session() as s:
            await report_found(s, ticket.id or 0, community_admin, "", TEXTS, LATER)
    assert again.value.reason == "found"


async def test_a_neighbouring_community_neither_sees_nor_marks_the_alert(world: World) -> None:
    ticket = await world.open(FATHER)
    await confirm(world, ticket.id)
    assert await board(world, COMMUNITY2, "PG-01-002") == []
    with pytest.raises(Refused) as outside:
        await board(world, COMMUNITY2, "PG-01-001")
    assert outside.value.reason == "scope"
    neighbour, _ = await look(world, COMMUNITY2, "PG-01-002")
    with pytest.raises(Refused) as refused:
        async with world.session() as s:
            await report_found(s, ticket.id or 0, neighbour, "", TEXTS, LATER)
    assert refused.value.reason == "forbidden"
    assert len(await board(world, TOWN1, "PG-01")) == 1


@pytest.fixture
async def counted(world: World) -> World:
    """Today's headcount round for the town, answered by GRID1's worker only."""
    async with world.session() as s:
        town = await node_by_code(s, "PG-01")
        grid = await node_by_code(s, GRID1)
        assert town is not None and grid is not None
        opener = await world.person(TOWN1)
        await open_round(s, town, opener, NOW, TZ, NOW + timedelta(hours=2))
        await answer(s, grid, await world.person(W1), 126, NOW, TZ)
    return world


async def test_the_headcount_board_rolls_up_and_lists_the_grids_still_missing(
    counted: World,
) -> None:
    town_admin, town = await look(counted, TOWN1, "PG-01")
    community_admin, community = await look(counted, COMMUNITY1, "PG-01-001")
    async with counted.session() as s:
        whole = await headcount_board(s, town_admin, town, NOW, TZ)
        own = await headcount_board(s, community_admin, community, NOW, TZ)
        late = await headcount_board(s, town_admin, town, NOW + timedelta(hours=3), TZ)
        tomorrow = await headcount_board(s, town_admin, town, NOW + timedelta(days=1), TZ)
    assert whole is not None and own is not None and late is not None
    assert (whole.total, whole.answered, whole.grids) == (126, 1, 4)
    assert [(t.node.code, t.total, t.answered, t.grids) for t in whole.children] == [
        ("PG-01-001", 126, 1, 2),
        ("PG-01-002", 0, 0, 2),
    ]
    assert [n.code for n in whole.missing] == [GRID2, "PG-01-002-01", "PG-01-002-02"]
    assert [n.code for n in own.missing] == [GRID2] and own.missing_total == 1
    assert not whole.deadline_passed and late.deadline_passed
    assert tomorrow is None


async def test_a_grid_answering_leaves_the_missing_list(counted: World) -> None:
    async with counted.session() as s:
        grid = await node_by_code(s, GRID2)
        assert grid is not None
        await answer(s, grid, await counted.person(W2), 80, NOW, TZ)
    community_admin, community = await look(counted, COMMUNITY1, "PG-01-001")
    async with counted.session() as s:
        own = await headcount_board(s, community_admin, community, NOW, TZ)
        with pytest.raises(Refused):
            _, town = await look(counted, TOWN1, "PG-01")
            await headcount_board(s, community_admin, town, NOW, TZ)
    assert own is not None and own.missing == [] and own.total == 206
