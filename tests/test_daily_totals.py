"""The daily totals are kept in the same transaction as every ticket change: after each step of
a day of casework (every workflow action once) they equal a recount from scratch, on SQLite and
PostgreSQL; /stats read from them equals /stats counted from the rows; and a 已阅 pressed
after a broadcast was counted is added to its totals."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broadcasts.reads import record_read
from core.db import session_scope
from core.vocabulary import Category, Level, Rating, WorkKind
from models.broadcast_totals import broadcast_counted
from models.broadcasts import Broadcast, BroadcastDelivery, BroadcastRead, DeliveryStatus
from models.demo_data import generate_district
from models.groups import Group
from models.importer import import_tree
from models.tickets import TicketStatus
from models.totals import daily_timing, daily_total, monthly_timing
from models.totals_rebuild import rebuild_totals
from models.tree_service import node_by_code
from stats.breakdown import build_report
from stats.period import days_period
from tests.support.synthetic import generate_activity
from tests.test_ticket_alerts import TEXTS
from tests.test_ticket_workflow import (
    COMMUNITY1,
    FIGHT,
    GRID1,
    GRID2,
    LEAK,
    MISSING,
    NOW,
    RESIDENT,
    W1,
    World,
    build_world,
)
from tickets import actions
from tickets.alerts import confirm_alert, mark_found
from tickets.escalation import sweep
from tickets.feedback import rate
from tickets.marks import mark_ticket
from work.worklog import record_log

TZ = ZoneInfo("Asia/Shanghai")
Rows = set[tuple[Any, ...]]


async def stored_totals(session: AsyncSession) -> tuple[Rows, Rows, Rows]:
    """Every row with anything in it (a change can leave a row of zeros behind)."""
    days = (await session.execute(select(daily_total))).all()
    months = (await session.execute(select(monthly_timing))).all()
    timing_days = (await session.execute(select(daily_timing))).all()
    return (
        {tuple(row) for row in days if any(row[2:])},
        {tuple(row) for row in months if row.total},
        {tuple(row) for row in timing_days if row.total},
    )


async def assert_totals_match_a_recount(world: World, after: str = "") -> None:
    async with world.db() as session:
        kept = await stored_totals(session)
        await rebuild_totals(session, TZ)
        recounted = await stored_totals(session)
        await session.rollback()
    assert kept == recounted, after


@pytest.fixture
async def world(session_factory: Any) -> World:
    return await build_world(session_factory)


async def test_every_workflow_action_keeps_the_totals_equal_to_a_recount(world: World) -> None:
    policy, later = world.policy, NOW + timedelta(minutes=20)
    leak = (await world.open(LEAK)).id or 0
    fight = (await world.open(FIGHT, user=RESIDENT + 1)).id or 0
    missing = (await world.open(MISSING, user=RESIDENT + 2)).id or 0
    await assert_totals_match_a_recount(world, "opened")
    false_alarm = (await world.open("小区门口垃圾堆了三天没人清", user=RESIDENT + 3)).id
    actions_in_order: list[tuple[str, Any, tuple[Any, ...]]] = [
        ("claim", actions.claim, (leak, W1, later, policy)),
        ("note", actions.add_note, (leak, W1, "已联系物业", later)),
        ("resolve", actions.resolve, (leak, W1, "已修好", (), later, policy)),
        ("rate unsatisfied", rate, (leak, RESIDENT, Rating.unsatisfied, later, policy)),
        ("resolve again", actions.resolve, (leak, W1, "换了新管", (), later, policy)),
        ("rate satisfied", rate, (leak, RESIDENT, Rating.satisfied, later, policy)),
        ("escalate", actions.escalate, (fight, W1, "需要社区调解", later, policy)),
        ("transfer", actions.transfer, (fight, COMMUNITY1, GRID2, later, policy)),
        ("recategorise", mark_ticket, (fight, COMMUNITY1, Category.SAFETY, later, policy)),
        ("false alarm", mark_ticket, (false_alarm, W1, Category.NONE, later, policy)),
        ("confirm alert", confirm_alert, (missing, W1, Level.town, TEXTS, later)),
        ("found", mark_found, (missing, W1, "已在公园找到", TEXTS, later)),
    ]
    for name, action, args in actions_in_order:
        await world.run(action, *args)
        await assert_totals_match_a_recount(world, name)
    await sweep(world.db, NOW + timedelta(days=1), policy)  # the fight climbs; leak unrated
    await assert_totals_match_a_recount(world)
    await world.run(actions.resolve, fight, COMMUNITY1, "已调解", (), later, policy)
    await sweep(world.db, NOW + timedelta(days=4), policy)  # no rating in time: closed
    assert (await world.ticket(fight)).status is TicketStatus.closed
    await assert_totals_match_a_recount(world)
    await write_a_log(world)
    await assert_totals_match_a_recount(world)


async def write_a_log(world: World) -> None:
    async with world.session() as s:
        node = await node_by_code(s, GRID1)
        assert node is not None
        await record_log(s, await world.person(W1), node, WorkKind.visit, "入户走访 3户", NOW)


async def test_stats_from_the_totals_equal_stats_from_the_rows(world: World) -> None:
    number = (await world.open(LEAK)).id or 0
    await world.open(FIGHT, user=RESIDENT + 1)
    await world.run(actions.claim, number, W1, NOW + timedelta(minutes=7), world.policy)
    await world.run(actions.escalate, number, W1, "需要物业", NOW, world.policy)
    await write_a_log(world)
    today = NOW.astimezone(TZ).date()
    async with world.db() as session:
        for code in ("PG", "PG-01", "PG-01-001", GRID1):
            node = await node_by_code(session, code)
            assert node is not None
            for first in (today, today - timedelta(days=400)):
                period = days_period(first, today, TZ)
                kept = await build_report(session, node, period)
                counted = await build_report(session, node, period, recount=True)
                assert kept.total.tickets == 2 if code != GRID1 else kept.total.tickets
                assert_same(kept.total, counted.total)
                assert [p.node.code for p in kept.parts] == [p.node.code for p in counted.parts]
                for mine, theirs in zip(kept.parts, counted.parts, strict=True):
                    assert_same(mine.figures, theirs.figures)


def assert_same(kept: Any, counted: Any) -> None:
    for name in ("by_category", "by_status", "by_rating", "escalations", "work_logs"):
        assert +getattr(kept, name) == +getattr(counted, name), name
    assert (kept.copies, kept.reviews) == (counted.copies, counted.reviews)


async def test_a_read_pressed_after_a_broadcast_was_counted_is_added_to_its_totals(
    session_factory: Any,
) -> None:
    nodes, staff = generate_district(grids=8)
    async with session_scope(session_factory) as session:
        await import_tree(session, nodes, staff)
    await generate_activity(session_factory, 40, 3, NOW, seed=2)  # broadcasts counted at the end
    async with session_scope(session_factory) as session:
        broadcast_id, chat_id = await an_unread_delivered_copy(session)
        assert await record_read(session, broadcast_id, 5551234, chat_id, NOW) == "recorded"
        assert await record_read(session, broadcast_id, 5551235, chat_id, NOW) == "recorded"
    async with session_factory() as session:
        root = await node_by_code(session, "PG")
        assert root is not None
        period = days_period((NOW - timedelta(days=4)).date(), NOW.date(), TZ)
        kept = await build_report(session, root, period)
        counted = await build_report(session, root, period, recount=True)
    assert (kept.total.read, kept.total.read_offered) == (
        counted.total.read,
        counted.total.read_offered,
    )
    for mine, theirs in zip(kept.parts, counted.parts, strict=True):
        assert (mine.figures.read, mine.figures.copies) == (
            theirs.figures.read,
            theirs.figures.copies,
        )


async def an_unread_delivered_copy(session: AsyncSession) -> tuple[int, int]:
    """A counted broadcast with a 已阅 button, and a group its copy reached that nobody read."""
    read = select(col(BroadcastRead.group_id)).where(
        col(BroadcastRead.broadcast_id) == BroadcastDelivery.broadcast_id
    )
    found = await session.execute(
        select(col(Broadcast.id), col(Group.chat_id))
        .join(BroadcastDelivery, col(BroadcastDelivery.broadcast_id) == Broadcast.id)
        .join(Group, col(Group.id) == BroadcastDelivery.group_id)
        .join(broadcast_counted, broadcast_counted.c.broadcast_id == Broadcast.id)
        .where(
            col(Broadcast.read_button),
            col(BroadcastDelivery.status) == DeliveryStatus.delivered,
            col(BroadcastDelivery.group_id).not_in(read),
        )
        .limit(1)
    )
    broadcast_id, chat_id = found.one()
    return broadcast_id or 0, chat_id
