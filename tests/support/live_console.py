"""The web console served for a real browser: on a free port of 127.0.0.1, wired as
`gridbot run --console` wires it (cli.console.start_beside with the bot's broadcast hooks),
with the real broadcast engine sending to a fake messenger, over the small district
(tests/support/console.py) with one bound group per micro-grid, a few tickets and one
missing-person alert sent to the town.

    async with live_console(factory) as live:
        await page.goto(live.url + "/tickets")
        live.hold()       # copies wait for release(): the page shows a broadcast under way
        live.release()
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from bot.broadcast_jobs import ScheduledSends
from bot.console_hooks import BotBroadcastHooks
from broadcasts import BroadcastEngine, EngineConfig
from cli.console import start_beside
from core.clock import Clock
from core.config import ConsoleSettings, Settings
from core.db import session_scope
from core.timezone import district_zone
from core.vocabulary import Category, Priority
from models.groups import Group
from models.tree import Level, Node
from tests.support.console import small_district
from tests.support.fake_sender import FakeSender
from tests.test_ticket_board import place
from tickets.alert_texts import TemplateTexts
from tickets.alerts import confirm_alert

Factory = async_sessionmaker[AsyncSession]
TOWN_ADMIN = 910000001  # T0001, 滨河街道 PG-01: logs in, claims, sends, marks found
GRID_WORKER = 930000001  # W0001, PG-01-001-01: confirmed the alert
LEAKS = ("3号楼楼道水管漏水", "5号楼屋顶漏水", "小区东门路灯不亮")
MISSING = "我父亲走失了，穿蓝色外套，78岁"


@dataclass
class World:
    leaks: list[int]  # repair tickets in PG-01-001-01, the newest last
    dispute: int  # an urgent dispute in PG-01-001-02
    alert: int  # the missing-person ticket whose alert went to the town PG-01
    alert_broadcast: int  # that alert's broadcast (4 groups)


@dataclass
class LiveConsole:
    url: str  # http://127.0.0.1:PORT, no trailing slash
    factory: Factory
    clock: Clock
    sender: FakeSender
    world: World
    gate: asyncio.Event

    def hold(self) -> None:
        """From now on every copy waits for release() before it is sent."""
        self.gate.clear()

    def release(self) -> None:
        self.gate.set()


async def bind_groups(factory: Factory) -> None:
    """One bound group per micro-grid, as grid workers bind them with /bind."""
    async with session_scope(factory) as session:
        grids = await session.execute(
            select(Node).where(col(Node.level) == Level.micro_grid).order_by(col(Node.code))
        )
        for n, grid in enumerate(grids.scalars(), start=1):
            session.add(Group(chat_id=-1001000000000 - n, title=f"{grid.name}群", node_id=grid.id))


async def seed(factory: Factory, clock: Clock) -> World:
    await small_district(factory)
    await bind_groups(factory)
    now = clock.now()
    async with session_scope(factory) as s:
        leaks = [
            await place(s, "PG-01-001-01", text, now - timedelta(hours=5 - n))
            for n, text in enumerate(LEAKS)
        ]
        dispute = await place(
            s, "PG-01-001-02", "楼下两家吵架，快打起来了", now - timedelta(hours=1),
            category=Category.DISPUTE, priority=Priority.URGENT,
        )  # fmt: skip
        alert = await place(
            s, "PG-01-001-01", MISSING, now - timedelta(minutes=40),
            category=Category.MISSING_PERSON, priority=Priority.URGENT,
        )  # fmt: skip
    async with session_scope(factory) as s:
        texts = TemplateTexts(district_zone(Settings()))
        confirmed = now - timedelta(minutes=30)
        done = await confirm_alert(s, alert, GRID_WORKER, Level.town, texts, confirmed)
        assert done.broadcast is not None and done.broadcast.id is not None
        return World(leaks, dispute, alert, done.broadcast.id)


@asynccontextmanager
async def live_console(factory: Factory, uploads: Path) -> AsyncIterator[LiveConsole]:
    """Seed the district, then serve the console with the engine running until the end."""
    clock = Clock()
    world = await seed(factory, clock)
    gate = asyncio.Event()
    gate.set()
    sender = FakeSender()

    async def wait_for_gate(chat_id: int) -> None:
        await gate.wait()

    sender.before_send = wait_for_gate
    engine = BroadcastEngine(factory, sender, EngineConfig(senders=2), now=clock.now)
    hooks = BotBroadcastHooks(engine.notify, ScheduledSends(AsyncIOScheduler(), engine.notify))
    settings = Settings(console=ConsoleSettings(port=0, uploads_dir=uploads))
    runner = await start_beside(settings, factory, clock, hooks)
    stop = asyncio.Event()
    serving = asyncio.create_task(engine.serve(stop), name="broadcast engine")
    try:
        port = runner.addresses[0][1]
        yield LiveConsole(f"http://127.0.0.1:{port}", factory, clock, sender, world, gate)
    finally:
        gate.set()
        stop.set()
        engine.notify()
        await asyncio.wait_for(serving, timeout=10)
        await runner.cleanup()
