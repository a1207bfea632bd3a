"""The web console on a Pinggu-size district: p50/p95 per page, and the whole-history stats.

    python bench/console.py --database-url URL [--runs 20]        # a database filled before
    python bench/console.py --database-url URL --fill [--tickets 1000000]

With --fill the (empty) database is filled as bench/stats.py does (the demo district with
3,170 grids, N tickets over two years, broadcasts, work logs, today's headcount, the daily
totals); without it the database must have been filled by bench/stats.py, bench/console_views.py
or an earlier --fill. The console app is served on a local test server and each page is asked
for by a client logged in through a one-time link as the district's official, as a browser
would: once to warm up, then `--runs` times. Times are whole requests on localhost (the
server's time plus well under a millisecond of loopback). The whole-history figure is one
`gridbot stats --format table` over the district from the daily totals. The last line of
output is one JSON object.
"""

# ruff: noqa: E402  (the path fix below must run before the project's imports)
from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from bench.console_views import official
from bench.stats import TZ, populate, timed
from console.app import make_app
from core.clock import Clock
from core.config import ConsoleSettings, Settings
from core.db import make_engine, make_session_factory, session_scope
from models.broadcasts import Broadcast
from models.login_service import issue_link
from models.tickets import Ticket
from stats.period import days_period

Client = TestClient[web.Request, web.Application]


async def page_urls(factory: async_sessionmaker[AsyncSession], days: int) -> dict[str, str]:
    """Every console page a district official opens, with real ids from the database."""
    async with factory() as session:
        number = await session.scalar(select(Ticket.id).order_by(col(Ticket.id).desc()))
        broadcast = await session.scalar(select(Broadcast.id).order_by(col(Broadcast.id).desc()))
    today = Clock().now().astimezone(TZ).date()
    since = (today - timedelta(days=days)).isoformat()
    urls = {
        "overview_today": "/?period=today",
        "overview_30d": "/?period=30d",
        "overview_whole_history": f"/?period=range&from={since}&to={today.isoformat()}",
        "overview_figures_30d": "/overview/figures?period=30d",
        # a town reads its long period's edge days from its own tickets (no daily buckets)
        "overview_town_whole_history": f"/?node=PG-01&period=range&from={since}&to={today}",
        "chart_30d": "/chart.png?period=30d",
        "grid": "/grid",
        "grid_town": "/grid?node=PG-01",
        "grid_search": "/grid?q=PG-01-00",
        "grid_unbound": "/grid/unbound",
        "grid_unreachable": "/grid/unreachable",
        "tickets": "/tickets",
        "tickets_open_overdue": "/tickets?status=new,claimed,reopened&overdue=1",
        "tickets_search": "/tickets?q=%E6%BC%8F%E6%B0%B4",  # 漏水: 2 characters
        "tickets_search_short": "/tickets?q=%E8%B5%B0",  # 走: 1 character
        "tickets_search_3chars": "/tickets?q=%E6%A5%BC%E9%81%93%E7%81%AF",  # 楼道灯 (trigrams)
        "tickets_town": "/tickets?node=PG-01",
        "ticket_detail": f"/tickets/{number}",
        "broadcasts": "/broadcasts",
        "broadcast_new": "/broadcasts/new",
        "alerts": "/alerts",
        "headcount": "/headcount",
        "headcount_town": "/headcount?node=PG-01",
    }
    if broadcast is not None:
        urls["broadcast_detail"] = f"/broadcasts/{broadcast}"
        urls["broadcast_progress"] = f"/broadcasts/{broadcast}/progress"
    return urls


async def logged_in(client: Client, factory: async_sessionmaker[AsyncSession]) -> None:
    """Redeem a one-time link as the district's official, as the link's page does."""
    async with session_scope(factory) as session:
        token = issue_link(session, await official(session), Clock().now(), 10)
    response = await client.post(f"/login/{token}", allow_redirects=False)
    if response.status != 303:
        raise SystemExit(f"login failed: {response.status} {await response.text()}")


async def measure(client: Client, url: str, runs: int) -> dict[str, float]:
    times = []
    for _ in range(runs + 1):  # the first run warms up and is not counted
        started = time.perf_counter()
        response = await client.get(url)
        await response.read()
        times.append(time.perf_counter() - started)
        if response.status != 200:
            raise SystemExit(f"{url}: HTTP {response.status}")
    counted = sorted(times[1:])
    return {
        "p50_ms": round(statistics.median(counted) * 1000, 1),
        "p95_ms": round(counted[max(0, round(0.95 * len(counted)) - 1)] * 1000, 1),
    }


async def bench(args: argparse.Namespace) -> dict[str, object]:
    engine = make_engine(args.database_url)
    factory: async_sessionmaker[AsyncSession] = make_session_factory(engine)
    now = Clock().now()
    try:
        if args.fill:
            await populate(factory, args, now)
        if engine.dialect.name == "postgresql":
            async with engine.begin() as conn:
                await conn.execute(text("ANALYZE"))
        async with factory() as session:
            tickets = await session.scalar(select(text("count(*)")).select_from(Ticket))
        today = now.astimezone(TZ).date()
        whole = days_period(today - timedelta(days=args.days), today, TZ)
        stats_seconds, _ = await timed(factory, whole, recount=False)
        settings = Settings(console=ConsoleSettings(public_url="http://127.0.0.1"))
        app = make_app(factory, settings, Clock())
        pages: dict[str, dict[str, float]] = {}
        async with TestClient(TestServer(app)) as client:
            await logged_in(client, factory)
            for name, url in (await page_urls(factory, args.days)).items():
                pages[name] = await measure(client, url, args.runs)
                print(f"{name:24} {url:48} {pages[name]}")
    finally:
        await engine.dispose()
    worst = max(figures["p95_ms"] for figures in pages.values())
    return {
        "database": engine.dialect.name,
        "tickets": tickets,
        "runs": args.runs,
        "pages": pages,
        "worst_p95_ms": worst,
        "whole_history_stats_seconds": round(stats_seconds, 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--fill", action="store_true", help="fill the empty database first")
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--grids", type=int, default=3170, help="micro-grids to generate")
    parser.add_argument("--days", type=int, default=730, help="history the tickets spread over")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)
    print(json.dumps(asyncio.run(bench(args))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
