"""`gridbot demo`: emulator, demo district on SQLite, the real bot, and a scripted session."""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select

from bot.runtime import BotRuntime
from core.clock import Clock, FakeClock
from core.config import Settings
from core.db import make_engine, make_session_factory, session_scope, upgrade
from core.logsetup import setup_logging
from emulator import BotAPIEmulator, EmulatorClient
from emulator.events import describe
from models.demo_data import generate_district
from models.group_service import create_bind_token
from models.importer import import_tree
from models.inbox import InboxStatus, InboxUpdate
from models.people import RoleKind
from models.treefile import StaffRow

TOKEN = "123456:DEMO-TOKEN"
WAIT = 60.0  # seconds a scene waits for the bot; generous for slow or busy machines


@dataclass
class Stage:
    """Everything a demo scene needs: the emulator client and the running bot."""

    client: EmulatorClient
    runtime: BotRuntime
    staff: list[StaffRow]
    clock: FakeClock
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    chats: dict[str, dict[str, Any]] = field(default_factory=dict)

    def worker_of(self, code: str) -> StaffRow:
        return self.staff_of(code, RoleKind.grid_worker)

    def staff_of(self, code: str, role: RoleKind) -> StaffRow:
        return next(s for s in self.staff if s.node == code and s.role == role)

    async def wait(self, chat_id: int, contains: str) -> dict[str, Any]:
        return await self.client.wait_for(chat_id, contains=contains, timeout=WAIT)

    async def settled(self) -> None:
        """Wait until the bot has committed every update it received: its replies go out inside
        the update's transaction, so a reply seen is not yet a row another session can read."""
        deadline = asyncio.get_running_loop().time() + WAIT
        while True:
            async with self.runtime.session_factory() as session:
                pending = await session.scalar(
                    select(func.count())
                    .select_from(InboxUpdate)
                    .where(col(InboxUpdate.status) == InboxStatus.pending)
                )
            if not pending:
                return
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"{pending} update(s) still pending after {WAIT:.0f} s")
            await asyncio.sleep(0.05)

    async def say(self, chat_id: int, user: dict[str, Any], text: str) -> dict[str, Any]:
        """Post as `user` and wait for the bot's answer in that chat."""
        before = await self.client.bot_messages(chat_id)
        last = max((m["message_id"] for m in before), default=0)
        await self.client.send_message(chat_id, user["id"], text)
        return await self.client.wait_for(chat_id, after_message_id=last, timeout=WAIT)


async def run_demo(keep: bool = False) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="gridbot-demo-"))
    url = f"sqlite+aiosqlite:///{workdir / 'demo.db'}"
    print(f"== demo database: {workdir / 'demo.db'}")
    nodes, staff = generate_district(grids=8)
    engine = make_engine(url)
    await upgrade(engine)
    async with session_scope(make_session_factory(engine)) as session:
        report = await import_tree(session, nodes, staff)
    await engine.dispose()
    print(f"== district imported: {report.summary()}")

    emu = BotAPIEmulator(token=TOKEN, bot_username="gridbot")
    await emu.start()
    client = EmulatorClient(emu.base_url)
    settings = Settings(
        telegram={"api_base": emu.base_url, "token": TOKEN, "polling_timeout": 1},
        database={"url": url},
    )
    setup_logging("WARNING", [TOKEN])
    clock = FakeClock(Clock().now())  # the demo fast-forwards time to show escalation
    runtime = BotRuntime(settings, clock=clock)
    printer = asyncio.create_task(_print_events(client))
    try:
        await runtime.start_polling()
        print(f"== emulator at {emu.base_url}; bot running (polling)\n")
        from demo.scenes import SCENES

        stage = Stage(client, runtime, staff, clock)
        for scene in SCENES:
            await scene(stage)
            await asyncio.sleep(0.3)  # let the printer catch up before the next heading
        print("\n== demo finished")
    finally:
        printer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await printer
        await runtime.stop()
        await client.close()
        await emu.stop()
        if not keep:
            with contextlib.suppress(OSError):
                for file in workdir.iterdir():
                    file.unlink()
                workdir.rmdir()
    return 0


async def _print_events(client: EmulatorClient) -> None:
    seq = 0
    while True:
        for event in await client.events(after=seq, timeout=1.0):
            seq = max(seq, event["seq"])
            print(describe(event).replace("\n", "\n    "), flush=True)


def heading(text: str) -> None:
    """A scene's step, printed between the chat lines."""
    print(f"\n--- {text} ---", flush=True)


async def issue_token(stage: Stage, code: str) -> str:
    async with session_scope(stage.runtime.session_factory) as session:
        token = await create_bind_token(
            session, code, timedelta(hours=1), stage.runtime.clock.now()
        )
    return token.token
