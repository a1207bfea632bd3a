"""`gridbot stats` on a Pinggu-size district with N tickets: how long the figures take.

    python bench/stats.py --tickets 1000000 [--database-url URL] [--grids 3170] [--days 730]

Imports the demo district, writes N tickets (with their events, escalations and ratings), a
broadcast a day with its deliveries and reads, work logs and a headcount, spread over the
`--days` before now (in bulk: COPY on PostgreSQL), counts them into the daily totals as
`gridbot stats rebuild-totals` does (timed); then times `gridbot stats` for the district over
`--period` (default 本月-like 30d, as officials ask) and over the whole history, first counted
from the rows as before the totals ("before", `recount`), then from the totals ("after").
Without --database-url a fresh SQLite file in a temporary directory is used; a given URL should
point at an empty database (its schema is migrated first). The last line of output is one JSON
object.
"""

# ruff: noqa: E402  (the path fix below must run before the project's imports)
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

# `python bench/SCRIPT.py` puts bench/ first on sys.path, where stats.py and classify.py here
# would hide the packages they measure; the repository root goes first instead, so that the
# project, tests.support and the sibling scripts (as bench.*) import from a plain checkout.
ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cli.stats import stats_output
from core.clock import Clock
from core.db import make_engine, make_session_factory, session_scope, upgrade
from models.demo_data import generate_district
from models.importer import import_tree
from stats.period import Period, days_period, parse_period
from tests.support.synthetic import count_totals, generate_activity

TZ = ZoneInfo("Asia/Shanghai")


async def bench(args: argparse.Namespace, url: str) -> dict[str, object]:
    engine = make_engine(url)
    factory = make_session_factory(engine)
    now = Clock().now()
    try:
        rebuild_seconds = None if args.timing_only else await populate(factory, args, now)
        if engine.dialect.name == "postgresql":
            async with engine.begin() as conn:  # committed, or the statistics are rolled back
                await conn.execute(text("ANALYZE"))
        today = now.astimezone(TZ).date()
        periods = {
            "": parse_period(args.period, now, TZ),
            "all_history_": days_period(today - timedelta(days=args.days), today, TZ),
        }
        figures: dict[str, object] = {}
        for recount, when in ((True, "before"), (False, "after")):
            for name, period in periods.items():
                seconds, shown = await timed(factory, period, recount)
                figures[f"{name}seconds_{when}"] = round(seconds, 3)
                print(f"{when} {name or args.period}: {seconds:.3f} s")
                if name:
                    shown_all = shown
        print(shown_all)
    finally:
        await engine.dispose()
    return {
        "tickets": args.tickets,
        "period": args.period,
        "grids": args.grids,
        **figures,
        "seconds": figures["seconds_after"],
        "all_history_seconds": figures["all_history_seconds_after"],
        "rebuild_totals_seconds": rebuild_seconds and round(rebuild_seconds, 1),
    }


async def populate(
    factory: async_sessionmaker[AsyncSession], args: argparse.Namespace, now: datetime
) -> float:
    """Migrate, import, generate the activity and count the totals; the counting's seconds."""
    await upgrade(factory.kw["bind"])
    nodes, staff = generate_district(grids=args.grids)
    async with session_scope(factory) as session:
        await import_tree(session, nodes, staff)
    started = time.perf_counter()
    await generate_activity(factory, args.tickets, args.days, now, count=False)
    print(f"generated {args.tickets} tickets in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    await count_totals(factory)
    rebuild_seconds = time.perf_counter() - started
    print(f"daily totals counted in {rebuild_seconds:.1f} s")
    return rebuild_seconds


async def timed(
    factory: async_sessionmaker[AsyncSession], period: Period, recount: bool
) -> tuple[float, str]:
    """Seconds for one `gridbot stats --format table` over the whole district (the first run):
    `recount` from the rows (the path before the daily totals), else from the totals."""
    started = time.perf_counter()
    shown = await stats_output(factory, "PG", period, "table", recount=recount)
    return time.perf_counter() - started, shown


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--grids", type=int, default=3170, help="micro-grids to generate")
    parser.add_argument("--days", type=int, default=730, help="history the tickets spread over")
    parser.add_argument("--period", default="30d", help="period asked for (as in /stats)")
    parser.add_argument("--database-url", help="an empty database (default: temp SQLite)")
    parser.add_argument(
        "--timing-only",
        action="store_true",
        help="time a database an earlier run filled (--database-url), generating nothing",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="gridbot-bench-") as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        result = asyncio.run(bench(args, url))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
