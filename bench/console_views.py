"""The console's domain views (总览, 网格, 寻人, 人口统计) on a Pinggu-size district: p50/p95.

    python bench/console_views.py --database-url URL [--tickets 1000000] [--runs 20]
    python bench/console_views.py --database-url URL --timing-only   # a database filled before

Fills the database as bench/stats.py does (its `populate`: the demo district, N tickets over
`--days`, broadcasts, work logs, today's headcount, the daily totals), or with --timing-only
reuses one that bench/stats.py or this script filled. Then times each view for the district,
a town and a community, `--runs` times each (the first run included), as the district's
official. The last line of output is one JSON object: p50/p95 in ms per view and level.
"""

# ruff: noqa: E402  (the path fix below must run before the project's imports)
from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from bench.stats import TZ, populate
from core.clock import Clock
from core.db import make_engine, make_session_factory
from models.access import Actor, load_actor
from models.people import Person, Role, RoleKind
from models.tree import Node
from models.tree_service import node_by_code
from stats.node_lists import search_nodes, unbound_grids, unreachable_staff
from stats.nodes import browse
from stats.overview import overview
from stats.period import days_period, parse_period
from tickets.alert_board import alerts_under
from work.headcount_board import headcount_board

LEVELS = (("district", "PG"), ("town", "PG-01"), ("community", "PG-01-001"))
View = Callable[[AsyncSession, Actor, Node, datetime], Awaitable[object]]


def views(days: int) -> dict[str, View]:
    def period(word: str, now: datetime) -> object:
        if word == "all":
            today = now.astimezone(TZ).date()
            return days_period(today - timedelta(days=days), today, TZ)
        return parse_period(word, now, TZ)

    return {
        "overview_30d": lambda s, a, n, now: overview(s, a, n, period("30d", now), now),  # type: ignore[arg-type]
        "overview_all": lambda s, a, n, now: overview(s, a, n, period("all", now), now),  # type: ignore[arg-type]
        "browse_30d": lambda s, a, n, now: browse(s, a, n, period("30d", now)),  # type: ignore[arg-type]
        "unbound_grids": lambda s, a, n, now: unbound_grids(s, a, n),
        "unreachable_staff": lambda s, a, n, now: unreachable_staff(s, a, n),
        "search": lambda s, a, n, now: search_nodes(s, a, n, "pg-01-00"),
        "alerts": lambda s, a, n, now: alerts_under(s, a, n, now),
        "headcount": lambda s, a, n, now: headcount_board(s, a, n, now, TZ),
    }


async def official(session: AsyncSession) -> Actor:
    found = await session.execute(
        select(Person.telegram_user_id)
        .join(Role, col(Role.person_id) == Person.id)
        .where(col(Role.kind) == RoleKind.district_official)
        .limit(1)
    )
    return await load_actor(session, found.scalar_one())


async def bench(args: argparse.Namespace, url: str) -> dict[str, object]:
    engine = make_engine(url)
    factory: async_sessionmaker[AsyncSession] = make_session_factory(engine)
    now = Clock().now()
    try:
        if not args.timing_only:
            await populate(factory, args, now)
        if engine.dialect.name == "postgresql":
            async with engine.begin() as conn:
                await conn.execute(text("ANALYZE"))
        async with factory() as s:
            actor = await official(s)
            levels = {
                level: await node_by_code(s, code)
                for level, code in (
                    ("district", "PG"),
                    ("town", "PG-01"),
                    ("community", "PG-01-001"),
                )
            }
        figures: dict[str, dict[str, float]] = {}
        for name, view in views(args.days).items():
            for level, node in levels.items():
                assert node is not None
                times = await timed(factory, view, actor, node, now, args.runs)
                key = f"{name}.{level}"
                figures[key] = {"p50_ms": _ms(statistics.median(times)), "p95_ms": _p95(times)}
                print(key, figures[key])
    finally:
        await engine.dispose()
    worst = max(f["p95_ms"] for f in figures.values())
    return {
        "tickets": args.tickets,
        "grids": args.grids,
        "runs": args.runs,
        "worst_p95_ms": worst,
        **figures,
    }


async def timed(
    factory: async_sessionmaker[AsyncSession],
    view: View,
    actor: Actor,
    node: Node,
    now: datetime,
    runs: int,
) -> list[float]:
    """Seconds per call, each in its own session as a request would have."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        async with factory() as s:
            await view(s, actor, node, now)
        times.append(time.perf_counter() - started)
    return times


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def _p95(times: list[float]) -> float:
    ordered = sorted(times)
    return _ms(ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--grids", type=int, default=3170, help="micro-grids to generate")
    parser.add_argument("--days", type=int, default=730, help="history the tickets spread over")
    parser.add_argument("--runs", type=int, default=20, help="calls per view and level")
    parser.add_argument("--database-url", help="an empty database (default: temp SQLite)")
    parser.add_argument("--timing-only", action="store_true", help="time a filled database")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="gridbot-bench-") as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        result = asyncio.run(bench(args, url))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
