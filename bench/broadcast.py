"""One broadcast to a whole district through the real aiogram Bot against the emulator.

    python bench/broadcast.py [--groups 3170] [--rate 30] [--emulator-limits on|off]
                              [--database-url URL] [--senders N]
                              [--kicked-percent 5] [--migrated-percent 1]

Builds a fresh database (default: a SQLite file in a temporary directory; a given URL must
point at an empty database, whose schema is migrated to head first), generates a district of
N micro-grids with one active group bound to each, starts a Bot API emulator in this process
(limits on: --emulator-rate/s global, default 30, and 20/min per group, like Telegram; off:
unlimited) holding the same groups with the bot as a member, and creates one broadcast to the
whole district.

The engine then runs in its own process, as it would in the bot: a child Python that imports
only the engine, bot/sender.py and aiogram, and sends through a real aiogram Bot at --rate
messages/s. So the emulator (standing in for Telegram's servers) does not share the engine's
CPU or memory: wall_s is the broadcast's time from the engine's start to its final report, and
peak_rss_mb is the engine process's peak RSS (getrusage). Like the bot at start-up, the engine
process calls getMe and freezes its start-up heap (gc.freeze) before the clock starts. The
emulator's http_429 and per-chat counts are read at the end.

As in the bot, the engine's limiter is the bot's send budget (bot/sending.py): the Bot's HTTP
session tells it when each request leaves, so a send's 1 s window runs from there (plus the
engine's safety margin) and the engine's claim of a row overlaps the wait for its slot. At
--rate R every 1 s window holds at most R sends as the server counts them, so N groups take at
least N // R windows of 1 s + margin, plus the time the engine needs to start the N % R left
(3,170 at 1,000/s: three windows and 170 sends); per_second exceeds R only by what the
windows' bursts gain over that. To see what the engine and the database can carry, give a
--rate above the target. --senders defaults to max(16, R // 30).

The last line of output is one JSON object: groups, wall_s, delivered, failed, http_429,
per_second, peak_rss_mb (and a few details). With --kicked-percent / --migrated-percent that
share of the groups answers 403 (bot kicked) / has become a supergroup, and the line adds how
many of the other groups got the message exactly once, how many migrated ones got it at their
new id, and how many failures the report names.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import resource
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from broadcasts.progress import Progress
    from emulator import BotAPIEmulator, EmulatorClient

TOKEN = "123456:BENCH-TOKEN"
TEXT = "【平谷区通知】明日（周三）8:00–18:00 全区例行停水检修，请各网格提前通知居民储水。"
HERE = Path(__file__).resolve()


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


# --- the parent: database, emulator, one broadcast ------------------------------------------


async def build_database(url: str, groups: int) -> tuple[list[tuple[int, int, str]], int]:
    """Migrate an empty database, seed the district and its groups, create the broadcast.

    Returns the groups (group id, chat id, title) and the broadcast id."""
    from sqlalchemy import func, select
    from sqlmodel import col

    from bot.db import make_engine, make_session_factory, session_scope, upgrade
    from broadcasts.service import create_broadcast
    from broadcasts.testing import seed_district
    from models.tree import Node

    engine = make_engine(url)
    try:
        await upgrade(engine)
        factory = make_session_factory(engine)
        async with factory() as session:
            existing = await session.scalar(select(func.count()).select_from(Node))
        if existing:
            raise SystemExit(f"the database is not empty ({existing} nodes); give an empty one")
        async with session_scope(factory) as session:
            seeded = await seed_district(session, groups, with_staff=False)
            root = await session.scalar(select(col(Node.id)).where(col(Node.parent_id).is_(None)))
            assert root is not None
            broadcast = await create_broadcast(session, node_id=int(root), text=TEXT)
            assert broadcast.id is not None
    finally:
        await engine.dispose()
    return seeded, broadcast.id


@dataclass
class Faults:
    """Groups the emulator answers 403 (bot kicked) or 400 migrate_to_chat_id for."""

    kicked: set[int] = field(default_factory=set)
    migrated: dict[int, int] = field(default_factory=dict)  # old chat id -> new chat id


def every_nth(chat_ids: Sequence[int], percent: float, offset: int) -> list[int]:
    """About `percent` % of the chats, spread evenly (deterministic, so runs compare)."""
    if percent <= 0:
        return []
    step = max(1, round(100 / percent))
    return list(chat_ids[offset::step])


async def inject_faults(
    client: EmulatorClient, chat_ids: Sequence[int], kicked_pct: float, migrated_pct: float
) -> Faults:
    faults = Faults()
    for chat_id in every_nth(chat_ids, kicked_pct, 0):
        await client.set_fault(chat_id, "kicked")
        faults.kicked.add(chat_id)
    for chat_id in every_nth(chat_ids, migrated_pct, 7):
        if chat_id not in faults.kicked:
            answer = await client.set_fault(chat_id, "migrate")
            faults.migrated[chat_id] = int(answer["migrated_to"])
    return faults


@asynccontextmanager
async def emulator_with_groups(
    groups: Sequence[tuple[int, int, str]],
    limits: bool,
    global_per_second: int,
    faults: tuple[float, float] = (0.0, 0.0),
) -> AsyncIterator[tuple[BotAPIEmulator, Faults]]:
    from emulator import BotAPIEmulator, EmulatorClient

    emu = BotAPIEmulator(token=TOKEN, limits=limits, global_per_second=global_per_second)
    await emu.start()
    try:
        async with EmulatorClient(emu.base_url) as client:
            semaphore = asyncio.Semaphore(32)

            async def one(chat_id: int, title: str) -> None:
                async with semaphore:
                    await client.create_group(title, id=chat_id, bot_status="member")

            await asyncio.gather(*(one(chat_id, title) for _, chat_id, title in groups))
            injected = await inject_faults(client, [c for _, c, _ in groups], *faults)
        yield emu, injected
    finally:
        await emu.stop()


class EngineProcess:
    """The engine in a child process; its output lines are echoed, its last one is JSON."""

    def __init__(self, database_url: str, api_base: str, rate: int, senders: int) -> None:
        self.argv = [
            sys.executable,
            str(HERE),
            "--engine-child",
            "--database-url",
            database_url,
            "--api-base",
            api_base,
            "--rate",
            str(rate),
            "--senders",
            str(senders),
        ]
        self.process: asyncio.subprocess.Process | None = None
        self.last_line = ""

    async def start(self) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.process = await asyncio.create_subprocess_exec(
            *self.argv, stdout=asyncio.subprocess.PIPE, env=env
        )

    async def wait(self, echo: Callable[[str], None] = print) -> int:
        assert self.process is not None and self.process.stdout is not None
        async for raw in self.process.stdout:
            line = raw.decode().rstrip()
            if line:
                self.last_line = line
                echo(f"  engine| {line}")
        return await self.process.wait()

    def result(self) -> dict[str, Any]:
        try:
            parsed: dict[str, Any] = json.loads(self.last_line)
        except ValueError as exc:
            raise SystemExit(f"the engine process gave no result: {self.last_line!r}") from exc
        return parsed


async def bench(args: argparse.Namespace, url: str) -> dict[str, Any]:
    limits = args.emulator_limits == "on"
    groups, broadcast_id = await build_database(url, args.groups)
    print(f"database: {url.split('@')[-1]}")
    print(f"district: {len(groups)} groups bound to micro-grids; broadcast {broadcast_id}")
    wanted = (args.kicked_percent, args.migrated_percent)
    async with emulator_with_groups(groups, limits, args.emulator_rate, wanted) as (emu, faults):
        print(
            f"emulator: {emu.base_url} limits "
            + (f"on ({args.emulator_rate}/s, 20/min per group)" if limits else "off")
        )
        print(f"engine: {args.rate}/s, {args.senders} senders, in a child process")
        child = EngineProcess(url, emu.base_url, args.rate, args.senders)
        await child.start()
        code = await child.wait()
        if code != 0:
            raise SystemExit(f"the engine process exited with {code}")
        result = child.result()
        stats = emu.runtime.stats
    per_chat = list(stats.sent_per_chat.values())
    wall = float(result["wall_s"])
    return fault_figures(groups, faults, stats.sent_per_chat, result) | {
        "groups": len(groups),
        "wall_s": round(wall, 2),
        "delivered": result["delivered"],
        "failed": result["failed"],
        "http_429": stats.http_429,
        "per_second": round(result["delivered"] / wall, 1) if wall else 0.0,
        "peak_rss_mb": result["peak_rss_mb"],
        "rate": args.rate,
        "senders": args.senders,
        "emulator_limits": args.emulator_limits,
        "database": url.split(":", 1)[0],
        "chats_reached": len(per_chat),
        "chats_with_more_than_one": sum(1 for n in per_chat if n > 1),
        "bench_process_rss_mb": peak_rss_mb(),
    }


def fault_figures(
    groups: Sequence[tuple[int, int, str]],
    faults: Faults,
    sent_per_chat: dict[int, int],
    result: dict[str, Any],
) -> dict[str, Any]:
    """With faults injected: did every other group get it once, and were the rest reported?"""
    if not faults.kicked and not faults.migrated:
        return {}
    others = [c for _, c, _ in groups if c not in faults.kicked and c not in faults.migrated]
    return {
        "kicked": len(faults.kicked),
        "migrated": len(faults.migrated),
        "others_delivered_once": sum(1 for c in others if sent_per_chat.get(c) == 1),
        "others": len(others),
        "migrated_reached_at_new_id": sum(
            1 for new in faults.migrated.values() if sent_per_chat.get(new) == 1
        ),
        "failures_reported": result["failures_reported"],
    }


# --- the child: only the engine ---------------------------------------------------------------


class ProgressPrinter:
    """A text progress bar, one line every few seconds (and the last one)."""

    def __init__(self, every: float = 5.0) -> None:
        self.every = every
        self.last = float("-inf")

    def __call__(self, progress: Progress) -> None:
        now = time.monotonic()
        if not progress.finished and now - self.last < self.every:
            return
        self.last = now
        filled = int(progress.fraction * 30)
        bar = "#" * filled + "." * (30 - filled)
        print(f"[{bar}] {progress.line()}", flush=True)


def engine_without_alembic(url: str) -> AsyncEngine:
    """bot.db.make_engine's engine, built here because importing bot.db loads Alembic
    (about 10 MB of RSS) which an engine process never needs."""
    from sqlalchemy import event
    from sqlalchemy.ext.asyncio import create_async_engine

    import models  # noqa: F401  (every table, as bot.db would register them)

    if not url.startswith("sqlite"):
        return create_async_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)
    engine = create_async_engine(url, connect_args={"timeout": 30})

    def pragmas(dbapi_conn: Any, _record: object) -> None:
        cursor = dbapi_conn.cursor()
        for pragma in ("foreign_keys=ON", "journal_mode=WAL", "synchronous=NORMAL"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    event.listen(engine.sync_engine, "connect", pragmas)
    return engine


async def run_engine(
    database_url: str, api_base: str, rate: int, senders: int, progress_every: float = 5.0
) -> dict[str, Any]:
    """Recover (after a crash), send everything due, and report: the engine process's body."""
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from sqlalchemy.ext.asyncio import async_sessionmaker

    from bot.sender import AiogramSender
    from bot.sending import attach_budget
    from broadcasts.engine import BroadcastEngine, EngineConfig
    from broadcasts.limiter import RateLimiter

    engine = engine_without_alembic(database_url)
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_base))
    bot = Bot(TOKEN, session=session)
    try:
        config = EngineConfig(global_per_second=rate, senders=senders)
        budget = RateLimiter(rate, config.per_chat_per_minute, margin=config.safety_margin)
        attach_budget(bot, budget)  # as bot/app.py build_bot does
        broadcaster = BroadcastEngine(
            async_sessionmaker(engine, expire_on_commit=False),
            AiogramSender(bot),
            config,
            on_progress=ProgressPrinter(progress_every),
            limiter=budget,
        )
        await bot.get_me()  # as the bot does at start-up: the HTTP session exists before timing
        # aiogram and pydantic leave about a million long-lived objects; a full garbage
        # collection walks them all (~170 ms, twice per run). A long-running bot freezes its
        # start-up heap once, which this engine process does here too.
        gc.collect()
        gc.freeze()
        started = time.perf_counter()
        cpu_started = time.process_time()
        recovered = await broadcaster.recover()
        if recovered:
            print(f"recovered rows in flight at the crash: {recovered}", flush=True)
        reports = await broadcaster.run_until_idle()
        wall = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
    finally:
        await session.close()
        await engine.dispose()
    for report in reports:
        for line in report.lines()[:6]:
            print(line, flush=True)
    return {
        "wall_s": round(wall, 3),
        "broadcasts": [r.broadcast_id for r in reports],
        "delivered": sum(r.counts.delivered for r in reports),
        "failed": sum(r.counts.failed for r in reports),
        "skipped": sum(r.counts.skipped for r in reports),
        "possibly_duplicated": sum(r.counts.possibly_duplicated for r in reports),
        "failures_reported": sum(len(r.failures) for r in reports),
        "recovered_in_flight": sum(recovered.values()),
        "limiter_pauses": broadcaster.limiter.pauses,
        "mean_call_ms": round(broadcaster.limiter.mean_hold * 1000, 2),
        "cpu_s": round(cpu, 3),
        "commits": broadcaster.commits,
        "peak_rss_mb": peak_rss_mb(),
    }


# --- command line ---------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=3170)
    parser.add_argument("--rate", type=int, default=30, help="engine's global messages/s")
    parser.add_argument("--emulator-limits", choices=("on", "off"), default="on")
    parser.add_argument("--emulator-rate", type=int, default=30, help="emulator's global limit")
    parser.add_argument("--database-url", help="an empty database (default: temp SQLite)")
    parser.add_argument("--senders", type=int, help="concurrent sends (max(16, rate // 30))")
    parser.add_argument("--kicked-percent", type=float, default=0.0, help="groups answering 403")
    parser.add_argument("--migrated-percent", type=float, default=0.0, help="groups migrated")
    parser.add_argument("--engine-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--api-base", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.senders is None:
        args.senders = max(16, args.rate // 30)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.engine_child:
        result = asyncio.run(run_engine(args.database_url, args.api_base, args.rate, args.senders))
        print(json.dumps(result), flush=True)
        return 0
    with tempfile.TemporaryDirectory(prefix="gridbot-bench-") as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{tmp}/broadcast.db"
        result = asyncio.run(bench(args, url))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
