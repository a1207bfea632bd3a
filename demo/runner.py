"""`gridbot demo`: emulator, demo district on SQLite, the real bot, and a scripted session."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.runtime import BotRuntime
from core.config import Settings
from core.db import make_engine, make_session_factory, session_scope, upgrade
from core.logsetup import setup_logging
from demo.clock import DemoClock
from demo.ticker import TICKER
from demo.transcript import Transcript
from emulator import BotAPIEmulator, EmulatorClient
from models.demo_data import generate_district
from models.group_service import create_bind_token
from models.importer import import_tree
from models.people import RoleKind
from models.treefile import StaffRow

TOKEN = "123456:DEMO-TOKEN"
WAIT = 60.0  # seconds a scene waits for the bot; generous for slow or busy machines


@dataclass
class Stage:
    """Everything a demo scene needs: the emulator client, the running bot, the transcript."""

    client: EmulatorClient
    runtime: BotRuntime
    staff: list[StaffRow]
    clock: DemoClock
    transcript: Transcript
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    chats: dict[str, dict[str, Any]] = field(default_factory=dict)

    def worker_of(self, code: str) -> StaffRow:
        return self.staff_of(code, RoleKind.grid_worker)

    def staff_of(self, code: str, role: RoleKind) -> StaffRow:
        return next(s for s in self.staff if s.node == code and s.role == role)

    async def wait(self, chat_id: int, contains: str) -> dict[str, Any]:
        return await self.client.wait_for(chat_id, contains=contains, timeout=WAIT)

    async def heading(self, text: str) -> None:
        """A scene's step, printed after everything the chats showed before it."""
        await self.transcript.step(f"\n--- {text} ---")

    async def note(self, text: str) -> None:
        """Something the demo did outside the chats (a clock jump, a command line)."""
        await self.transcript.step(text)

    async def settled(self) -> None:
        """Until the bot has committed every update and sent everything it wrote."""
        await self.transcript.quiet()

    async def say(self, chat_id: int, user: dict[str, Any], text: str) -> dict[str, Any]:
        """Post as `user` and wait for the bot's answer in that chat."""
        await self.transcript.flush()
        before = await self.client.bot_messages(chat_id)
        last = max((m["message_id"] for m in before), default=0)
        await self.client.send_message(chat_id, user["id"], text)
        return await self.client.wait_for(chat_id, after_message_id=last, timeout=WAIT)

    async def tap(
        self, chat_id: int, message: dict[str, Any], user: dict[str, Any], who: str, row: int = 0
    ) -> None:
        """Press the first button of `row` under `message`, narrated: ▶ 网格员点击「接单」."""
        button = message["reply_markup"]["inline_keyboard"][row][0]
        await self.note(f"▶ {who}点击「{button['text']}」")
        await self.client.press_button(
            chat_id, message["message_id"], user["id"], button["callback_data"]
        )


DEMO_BIND_TOKEN = "BIND-DEMO2026AB"
# A fixed start: every run shows the same dates and deadlines (14:00 in Beijing).
DEMO_START = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)


def _fresh(db: Path) -> None:
    """The demo's own database and log from an earlier run are replaced."""
    for file in (db, *(db.with_name(db.name + end) for end in ("-wal", "-shm"))):
        file.unlink(missing_ok=True)


def _log_to(file: Path) -> None:
    """Log lines go to a file next to the database, never into the transcript."""
    file.unlink(missing_ok=True)
    handler = logging.FileHandler(file, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)
    setup_logging("INFO", [TOKEN])


Afterwards = Callable[[Stage], Awaitable[None]]


async def run_demo(db: Path, discard: bool = False, then: Afterwards | None = None) -> int:
    """Play the scenes; `then(stage)`, if given, runs after them on the real time while the
    emulator and the bot keep running (the console of `gridbot demo --console`)."""
    db = db.resolve()
    _fresh(db)
    url = f"sqlite+aiosqlite:///{db}"
    TICKER.doing("正在准备演示数据库")
    nodes, staff = generate_district(grids=8)
    engine = make_engine(url)
    await upgrade(engine)
    async with session_scope(make_session_factory(engine)) as session:
        report = await import_tree(session, nodes, staff)
    await engine.dispose()
    TICKER.say(f"== demo database: {db}")
    TICKER.say(f"== district imported: {report.summary()}")
    log_file = db.with_suffix(".log")
    _log_to(log_file)

    emu = BotAPIEmulator(token=TOKEN, bot_username="gridbot")
    await emu.start()
    client = EmulatorClient(emu.base_url)
    settings = Settings(
        telegram={"api_base": emu.base_url, "token": TOKEN, "polling_timeout": 1},
        database={"url": url},
        tickets={"sweep_seconds": 24 * 3600},  # the scenes run the sweep themselves
        stats={"digest_time": ""},  # no daily digest in the middle of a scene
    )
    clock = DemoClock(DEMO_START)  # the demo fast-forwards time to show escalation
    runtime = BotRuntime(settings, clock=clock)
    transcript = Transcript(emu, client, runtime.session_factory, WAIT)
    try:
        TICKER.doing("机器人正在启动")
        await runtime.start_polling()
        TICKER.say("== emulator and bot running (polling)")
        from demo.scenes import SCENES

        stage = Stage(client, runtime, staff, clock, transcript)
        for scene in SCENES:
            TICKER.doing("等待机器人处理")
            await scene(stage)
        await transcript.flush()
        TICKER.say("\n== demo finished")
        if then is not None:
            clock.go_real()
            TICKER.doing("")  # waiting for the person, not busy: no "still working" lines
            await then(stage)
    finally:
        TICKER.doing("正在关闭机器人和模拟器")
        await runtime.stop()
        await client.close()
        await emu.stop()
    if discard:
        _fresh(db)
        log_file.unlink(missing_ok=True)
        TICKER.say("== the demo database was deleted (--discard)")
    else:
        TICKER.say(f"== the demo database is kept: {db} (log: {log_file.name})")
        TICKER.say(f"   look inside: GRIDBOT_DATABASE_URL={url} gridbot audit --since 2026-11-24")
        TICKER.say("   run with --discard to delete it afterwards, --db PATH to keep it elsewhere")
    return 0


async def issue_token(stage: Stage, code: str) -> str:
    async with session_scope(stage.runtime.session_factory) as session:
        token = await create_bind_token(
            session, code, timedelta(hours=1), stage.runtime.clock.now()
        )
        token.token = DEMO_BIND_TOKEN  # a fresh database each run: the same words every run
    return token.token
