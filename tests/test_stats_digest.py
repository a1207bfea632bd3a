"""The daily digest: officials and admins only, after the configured time, once per day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, func, select

from core.db import session_scope
from models.audit import JobRun
from models.demo_data import generate_district
from models.importer import import_tree
from models.outgoing import OutgoingMessage
from models.people import Person
from models.tree_service import node_by_code
from stats.breakdown import build_report
from stats.digest import due_day, queue_digests
from stats.period import parse_period
from tests.support.synthetic import generate_activity

TZ = ZoneInfo("Asia/Shanghai")
BEFORE = datetime(2026, 11, 24, 9, 59, tzinfo=UTC)  # 17:59 in Beijing
AFTER = datetime(2026, 11, 24, 10, 30, tzinfo=UTC)  # 18:30
OFFICIAL, TOWN, COMMUNITY, WORKER = 900000001, 910000001, 920000001, 930000001


async def queued(factory: async_sessionmaker[AsyncSession]) -> list[tuple[int, str]]:
    """The digest messages in the outbox, oldest first (the courier sends them)."""
    async with factory() as session:
        rows = await session.execute(select(OutgoingMessage).order_by(col(OutgoingMessage.id)))
        return [(row.chat_id, row.text or "") for row in rows.scalars()]


@pytest.fixture
async def district(session_factory: async_sessionmaker[AsyncSession]) -> None:
    nodes, staff = generate_district(grids=8)
    async with session_scope(session_factory) as session:
        await import_tree(session, nodes, staff)
        reachable = col(Person.telegram_user_id).in_([OFFICIAL, TOWN, COMMUNITY, WORKER])
        await session.execute(update(Person).where(reachable).values(private_chat=True))
    await generate_activity(session_factory, 150, 3, AFTER, seed=9)


def test_the_digest_is_due_from_the_configured_local_time() -> None:
    assert due_day(BEFORE, TZ, "18:00") is None
    assert due_day(AFTER, TZ, "18:00") == datetime(2026, 11, 24).date()
    assert due_day(AFTER, TZ, "") is None


async def test_each_reachable_official_and_admin_gets_todays_figures_once(
    session_factory: async_sessionmaker[AsyncSession], district: None
) -> None:
    assert await queue_digests(session_factory, BEFORE, TZ, "18:00") == 0
    assert await queue_digests(session_factory, AFTER, TZ, "18:00") == 3
    sent = await queued(session_factory)
    assert sorted(chat for chat, _ in sent) == [OFFICIAL, TOWN, COMMUNITY]  # no grid worker
    assert await queue_digests(session_factory, AFTER + timedelta(hours=1), TZ, "18:00") == 0
    assert len(await queued(session_factory)) == 3
    async with session_factory() as session:
        runs = await session.scalar(select(func.count()).select_from(JobRun))
        town = await node_by_code(session, "PG-01")
        assert town is not None
        report = await build_report(session, town, parse_period("今天", AFTER, TZ))
    assert runs == 3
    text = dict(sent)[TOWN]
    assert text.startswith(f"🗓 2026-11-24 日报｜{report.path}")
    assert f"今日新登记工单 {report.total.tickets} 件" in text


async def test_the_next_day_is_a_new_digest(
    session_factory: async_sessionmaker[AsyncSession], district: None
) -> None:
    assert await queue_digests(session_factory, AFTER, TZ, "18:00") == 3
    assert await queue_digests(session_factory, AFTER + timedelta(days=1), TZ, "18:00") == 3
    assert len(await queued(session_factory)) == 6
