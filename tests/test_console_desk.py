"""The console's 群发 desk through aiohttp's test client, on SQLite and PostgreSQL: the list
with live progress, one broadcast's report, cancelling (and its date job), scopes, CSRF.

The demo district of 8 micro-grids with one bound group each (tests/support/broadcasts.py):
T0001 runs 滨河街道 PG-01, C0001 its 府前社区 PG-01-001, C0003 兴谷街道's PG-02-001.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from broadcasts.desk import Composed, create_from_desk
from core.clock import FakeClock
from core.config import ConsoleSettings, Settings
from core.db import session_scope
from core.timezone import district_zone
from models.access import load_actor
from models.audit import AuditEntry
from models.broadcasts import Broadcast, BroadcastStatus
from models.tree_service import node_by_code
from tests.support.broadcasts import seed_district
from tests.support.console import console_client, log_in

Factory = async_sessionmaker[AsyncSession]
TOWN1_ADMIN = 910000001


class RecordedHooks:
    """The bot's side of the desk's hooks, recorded (console/desk_hooks.py)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int, datetime | None]] = []

    def sent(self, broadcast_id: int) -> None:
        self.calls.append(("sent", broadcast_id, None))

    def scheduled(self, broadcast_id: int, at: datetime) -> None:
        self.calls.append(("scheduled", broadcast_id, at))

    def cancelled(self, broadcast_id: int) -> None:
        self.calls.append(("cancelled", broadcast_id, None))


@pytest.fixture
async def factory(session_factory: Factory) -> Factory:
    async with session_scope(session_factory) as session:
        await seed_district(session, 8)
    return session_factory


def desk_settings(tmp_path: Path) -> Settings:
    return Settings(console=ConsoleSettings(uploads_dir=tmp_path / "uploads"))


async def made_by_town1(factory: Factory, clock: FakeClock, code: str, text: str) -> int:
    """A broadcast composed at the desk by 滨河街道's admin, committed."""
    async with session_scope(factory) as session:
        node = await node_by_code(session, code)
        assert node is not None and node.id is not None
        actor = await load_actor(session, TOWN1_ADMIN)
        created = await create_from_desk(
            session,
            actor,
            Composed(node_id=node.id, text=text),
            now=clock.now(),
            zone=district_zone(Settings()),
            photo_dir=Path("/"),
        )
        await session.flush()
        assert created.id is not None
        return created.id


async def test_the_list_shows_visible_broadcasts_refreshing_while_they_are_sent(
    factory: Factory, tmp_path: Path
) -> None:
    clock = FakeClock()
    mine = await made_by_town1(factory, clock, "PG-01-001", "府前社区停水通知")
    theirs = await made_by_town1(factory, clock, "PG-01-002", "承平里社区通知")
    async with console_client(factory, clock, desk_settings(tmp_path)) as client:
        await log_in(client, factory, clock, "C0001")
        listing = await client.get("/broadcasts")
        html = await listing.text()
        assert listing.status == 200
        assert f'href="/broadcasts/{mine}"' in html and "府前社区停水通知" in html
        assert f'href="/broadcasts/{theirs}"' not in html
        assert 'data-refresh="/broadcasts/rows?page=1" data-every="5"' in html
        assert '<a href="/broadcasts" aria-current="page">群发</a>' in html
        rows = await client.get("/broadcasts/rows")
        assert "府前社区停水通知" in await rows.text() and "<html" not in await rows.text()


async def test_the_detail_reports_per_child_and_is_refused_outside_the_scope(
    factory: Factory, tmp_path: Path
) -> None:
    clock = FakeClock()
    town = await made_by_town1(factory, clock, "PG-01", "全街道通知")
    async with console_client(factory, clock, desk_settings(tmp_path)) as client:
        await log_in(client, factory, clock, "T0001")
        detail = await client.get(f"/broadcasts/{town}")
        html = await detail.text()
        assert detail.status == 200
        assert "府前社区" in html and "承平里社区" in html and "全街道通知" in html
        assert "共 4 个群" in html
        assert f'action="/broadcasts/{town}/cancel"' in html
        progress = await client.get(f"/broadcasts/{town}/progress")
        assert "待发 4" in await progress.text()
    async with console_client(factory, clock, desk_settings(tmp_path)) as client:
        await log_in(client, factory, clock, "C0001")
        refused = await client.get(f"/broadcasts/{town}")
        assert refused.status == 403 and "不在您负责的范围内" in await refused.text()
        assert (await client.get("/broadcasts/999999")).status == 404


async def test_cancelling_stops_the_broadcast_drops_its_date_job_and_is_audited(
    factory: Factory, tmp_path: Path
) -> None:
    clock, hooks = FakeClock(), RecordedHooks()
    number = await made_by_town1(factory, clock, "PG-01-001", "明天的通知")
    async with console_client(factory, clock, desk_settings(tmp_path), hooks=hooks) as client:
        csrf = await log_in(client, factory, clock, "C0001")
        forged = await client.post(f"/broadcasts/{number}/cancel", data={"_csrf": "forged"})
        assert forged.status == 403 and "安全校验未通过" in await forged.text()
        assert hooks.calls == []
        done = await client.post(f"/broadcasts/{number}/cancel", data={"_csrf": csrf})
        assert done.status == 200 and "已取消，没有发出任何一份" in await done.text()
        assert "取消这条群发" not in await done.text()
    assert hooks.calls == [("cancelled", number, None)]
    async with factory() as session:
        broadcast = await session.get(Broadcast, number)
        assert broadcast is not None and broadcast.status is BroadcastStatus.cancelled
        entries = (await session.scalars(select(AuditEntry).order_by(col(AuditEntry.id)))).all()
    assert [(e.command, e.args, e.outcome) for e in entries][-1] == (
        "console:cancel_broadcast",
        f"#{number}",
        "ok",
    )
