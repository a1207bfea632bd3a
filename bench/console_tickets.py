"""The console's ticket board on a Pinggu-size district: p50/p95 of `board_page` per filter.

    python bench/console_tickets.py [--tickets 1000000] [--database-url URL] [--runs 30]

Fills a PostgreSQL database as bench/stats.py does (the demo district with 3,170 grids, then N
tickets over two years written with COPY, then the daily totals), unless the database given
already holds tickets: then it is reused as it is. Without --database-url a database
`gridbot_bench_board` on the test server is used (created when missing). Each case runs once to
warm up, then `--runs` times, each in a fresh session as a request would. The last line of
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
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

import asyncpg
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from bench.stats import populate
from core.clock import Clock
from core.db import make_engine, make_session_factory
from models.tickets import Ticket
from models.tree import Level, Node
from tickets.board import parse_filter
from tickets.board_page import BoardPage, board_page

TZ = ZoneInfo("Asia/Shanghai")
SERVER = "postgresql://postgres@127.0.0.1:5432"
DEFAULT_DB = "gridbot_bench_board"


async def ensure_database(name: str) -> None:
    conn = await asyncpg.connect(f"{SERVER}/postgres")
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def filled(factory: async_sessionmaker[AsyncSession]) -> int:
    async with factory() as session:
        try:
            return int(await session.scalar(select(func.count()).select_from(Ticket)) or 0)
        except Exception:  # not migrated yet
            return 0


async def cases(factory: async_sessionmaker[AsyncSession]) -> dict[str, dict[str, str]]:
    """Typical filters: the district's default page, a town, a community's new tickets,
    overdue, text searches, and the last page of the oldest-first sort."""
    async with factory() as session:
        town = await session.scalar(
            select(col(Node.code)).where(col(Node.level) == Level.town).limit(1)
        )
        community = await session.scalar(
            select(col(Node.code)).where(col(Node.level) == Level.community).offset(40).limit(1)
        )
        some_id = await session.scalar(select(func.max(col(Ticket.id))))
    district = await page(factory, {"sort": "oldest"})
    return {
        "district_default": {},
        "town": {"node": str(town)},
        "community_new": {"node": str(community), "status": "new"},
        "overdue": {"overdue": "1"},
        "overdue_by_deadline": {"overdue": "1", "sort": "deadline"},
        "text_common": {"q": "灯坏"},
        "text_rare": {"q": "没人清37号楼5单元"},
        "ticket_number": {"q": f"#{some_id}"},
        "priority_sort": {"sort": "priority", "page": "3"},
        "updated_sort": {"sort": "updated"},
        "last_page_oldest": {"sort": "oldest", "page": str(district.pages)},
    }


async def page(factory: async_sessionmaker[AsyncSession], params: dict[str, str]) -> BoardPage:
    async with factory() as session:
        root = await session.scalar(select(col(Node.id)).where(col(Node.code) == "PG"))
        assert root is not None
        return await board_page(session, parse_filter(params, root, TZ), Clock().now())


async def measure(
    factory: async_sessionmaker[AsyncSession], params: dict[str, str], runs: int
) -> dict[str, object]:
    first = await page(factory, params)  # warm up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await page(factory, params)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return {
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(p95, 1),
        "rows": len(first.rows),
        "total": first.total,
        "exact": first.exact,
    }


async def bench(args: argparse.Namespace) -> dict[str, object]:
    url = args.database_url
    if url is None:
        await ensure_database(DEFAULT_DB)
        url = f"{SERVER.replace('postgresql://', 'postgresql+asyncpg://')}/{DEFAULT_DB}"
    engine = make_engine(url)
    factory = make_session_factory(engine)
    try:
        tickets = await filled(factory)
        if tickets == 0:
            await populate(factory, args, Clock().now())
            async with engine.begin() as conn:
                await conn.execute(text("ANALYZE"))
            tickets = await filled(factory)
        figures = {}
        for name, params in (await cases(factory)).items():
            figures[name] = await measure(factory, params, args.runs)
            print(name, params, figures[name], flush=True)
    finally:
        await engine.dispose()
    worst = max(float(str(f["p95_ms"])) for f in figures.values())
    return {"tickets": tickets, "grids": args.grids, "worst_p95_ms": worst, "cases": figures}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--grids", type=int, default=3170, help="micro-grids to generate")
    parser.add_argument("--days", type=int, default=730, help="history the tickets spread over")
    parser.add_argument("--runs", type=int, default=30, help="timed runs per case")
    parser.add_argument("--database-url", help="PostgreSQL; reused as it is if it has tickets")
    args = parser.parse_args(argv)
    print(json.dumps(asyncio.run(bench(args)), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
