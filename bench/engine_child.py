"""The broadcast engine alone in its own process, for bench/broadcast.py and broadcast_crash.py.

    python bench/engine_child.py --database-url URL --api-base URL --rate R --senders N
                                 [--release ID]

It imports only the engine, bot/sender.py, bot/sending.py and aiogram, and sends through a
real aiogram Bot, as the bot's engine does. Like the bot at start-up it calls getMe and reads
the schema revision, then freezes its start-up heap (gc.freeze) before the clock starts.

Without --release it recovers rows left in flight by a crash and sends everything due: the
timed part is the whole run. With --release ID it first sends what is due (a warm-up
broadcast), as a running bot has sent before, waits for the send budget's windows to empty,
then makes broadcast ID (held back with a scheduled time) due now and times only that one.

The last line of output is one JSON object with the engine's figures.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import resource
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

# `python bench/SCRIPT.py` puts bench/ first on sys.path, where stats.py and classify.py here
# would hide the packages they measure; the repository root goes first instead, so that the
# project, tests.support and the sibling scripts (as bench.*) import from a plain checkout.
ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from broadcasts.engine import BroadcastEngine
    from broadcasts.progress import Progress
    from broadcasts.reporting import BroadcastReport

TOKEN = "123456:BENCH-TOKEN"
HERE = Path(__file__).resolve()


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def current_rss_mb() -> float:
    """This process's resident memory now (Linux /proc; 0.0 where there is none)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return 0.0


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
    """core.db.make_engine's engine, built here because importing core.db loads Alembic
    (about 10 MB of RSS) which an engine process never needs."""
    from sqlalchemy import event
    from sqlalchemy.ext.asyncio import create_async_engine

    import models  # noqa: F401  (every table, as core.db would register them)

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


async def read_schema_revision(engine: AsyncEngine) -> str | None:
    """The bot's start-up schema check reads this row (through Alembic, which is not loaded
    here): the first database round trip happens before the clock starts, as in the bot."""
    from sqlalchemy import text

    async with engine.connect() as conn:
        return (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()


async def release_now(engine: AsyncEngine, broadcast_id: int) -> None:
    """A broadcast held back with a scheduled time becomes due now (its time has come)."""
    from sqlalchemy import update
    from sqlmodel import col

    from models.base import utcnow
    from models.broadcasts import Broadcast

    async with engine.begin() as conn:
        due_now = update(Broadcast).values(scheduled_at=utcnow())
        await conn.execute(due_now.where(col(Broadcast.id) == broadcast_id))


def totals(reports: list[BroadcastReport]) -> dict[str, Any]:
    return {
        "broadcasts": [r.broadcast_id for r in reports],
        "delivered": sum(r.counts.delivered for r in reports),
        "failed": sum(r.counts.failed for r in reports),
        "skipped": sum(r.counts.skipped for r in reports),
        "possibly_duplicated": sum(r.counts.possibly_duplicated for r in reports),
        "failures_reported": sum(len(r.failures) for r in reports),
    }


async def run_engine(
    database_url: str,
    api_base: str,
    rate: int,
    senders: int,
    release: int | None = None,
    progress_every: float = 5.0,
) -> dict[str, Any]:
    """Recover, send everything due (or warm up, then the released broadcast), and report."""
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from sqlalchemy.ext.asyncio import async_sessionmaker

    from broadcasts.engine import BroadcastEngine, EngineConfig
    from broadcasts.limiter import RateLimiter
    from channels.telegram.sender import AiogramSender
    from channels.telegram.sending import attach_budget

    engine = engine_without_alembic(database_url)
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_base))
    bot = Bot(TOKEN, session=session)
    warm_up: dict[str, Any] = {}
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
        await bot.get_me()  # as the bot at start-up (bot/runtime.py): getMe, the schema check
        await read_schema_revision(engine)
        if release is not None:
            warm_up = await send_warm_up(broadcaster, engine, release, config.safety_margin)
        # aiogram and pydantic leave about a million long-lived objects; a full garbage
        # collection walks them all (~170 ms, twice per run). A long-running bot freezes its
        # start-up heap once, which this engine process does here too.
        gc.collect()
        gc.freeze()
        start_rss = current_rss_mb()
        started = time.perf_counter()
        cpu_started = time.process_time()
        # After a warm-up the engine has recovered already, at its start, as the bot's does.
        recovered = await broadcaster.recover() if release is None else {}
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
        **totals(reports),
        "recovered_in_flight": sum(recovered.values()),
        "limiter_pauses": broadcaster.limiter.pauses,
        "mean_call_ms": round(broadcaster.limiter.mean_hold * 1000, 2),
        "cpu_s": round(cpu, 3),
        "commits": broadcaster.commits,
        "peak_rss_mb": peak_rss_mb(),
        "start_rss_mb": start_rss,
        **warm_up,
    }


async def send_warm_up(
    broadcaster: BroadcastEngine, engine: AsyncEngine, release: int, margin: float
) -> dict[str, Any]:
    """Send what is due now (the warm-up), let the budget's 1 s windows run out, and make
    broadcast `release` due."""
    started = time.perf_counter()
    reports = await broadcaster.run_until_idle()
    wall = time.perf_counter() - started
    done = totals(reports)
    print(f"warm-up: {done['delivered']} delivered in {wall:.2f} s", flush=True)
    await asyncio.sleep(1.0 + margin + 0.1)
    await release_now(engine, release)
    return {"warm_up_delivered": done["delivered"], "warm_up_s": round(wall, 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--api-base", required=True)
    parser.add_argument("--rate", type=int, required=True)
    parser.add_argument("--senders", type=int, required=True)
    parser.add_argument("--release", type=int, help="warm up first, then time this broadcast")
    args = parser.parse_args(argv)
    result = asyncio.run(
        run_engine(args.database_url, args.api_base, args.rate, args.senders, args.release)
    )
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
