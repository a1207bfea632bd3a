"""Import Pinggu's 3,170 micro-grids and their staff into a fresh database, then again.

    python bench/import_tree.py [--grids 3170] [--database-url URL]

Without --database-url a fresh SQLite file in a temporary directory is used (and removed). A
given URL should point at an empty database: its schema is migrated first. The timings cover
parse + import + commit of a CSV written from the demo data; the re-import must change nothing.
The last line of output is one JSON object.
"""

# ruff: noqa: E402  (the path fix below must run before the project's imports)
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

# `python bench/SCRIPT.py` puts bench/ first on sys.path, where stats.py and classify.py here
# would hide the packages they measure; the repository root goes first instead, so that the
# project, tests.support and the sibling scripts (as bench.*) import from a plain checkout.
ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from core.db import make_engine, make_session_factory, upgrade
from models.demo_data import generate_district
from models.importer import import_file
from models.tree import Level, Node
from models.treefile import write_csv


async def count_grids(factory: async_sessionmaker[AsyncSession]) -> tuple[int, int]:
    """(grid + micro_grid nodes, all nodes) as stored."""
    grid_levels = [Level.grid.value, Level.micro_grid.value]
    async with factory() as session:
        grids = await session.scalar(
            select(func.count()).select_from(Node).where(col(Node.level).in_(grid_levels))
        )
        nodes = await session.scalar(select(func.count()).select_from(Node))
    return int(grids or 0), int(nodes or 0)


async def bench(grids: int, url: str, workdir: Path) -> dict[str, float | int]:
    engine = make_engine(url)
    try:
        await upgrade(engine)
        factory = make_session_factory(engine)
        nodes, staff = generate_district(grids=grids)
        path = workdir / "district.csv"
        path.write_text(write_csv(nodes, staff), encoding="utf-8")
        print(f"database: {engine.url.render_as_string(hide_password=True)}")
        print(f"file: {path} ({len(nodes)} nodes, {len(staff)} staff rows)")
        started = time.perf_counter()
        report = await import_file(path, factory)
        seconds = time.perf_counter() - started
        print(f"import:   {seconds:.3f} s  {report.summary()}")
        started = time.perf_counter()
        again = await import_file(path, factory)
        reimport_seconds = time.perf_counter() - started
        print(f"reimport: {reimport_seconds:.3f} s  {again.summary()}")
        if again.changed:
            raise SystemExit("re-import changed the database; it must be idempotent")
        stored_grids, stored_nodes = await count_grids(factory)
    finally:
        await engine.dispose()
    return {
        "grids": stored_grids,
        "nodes": stored_nodes,
        "staff_rows": len(staff),
        "seconds": round(seconds, 3),
        "reimport_seconds": round(reimport_seconds, 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grids", type=int, default=3170, help="micro-grids to generate")
    parser.add_argument("--database-url", help="an empty database (default: temp SQLite)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="gridbot-bench-") as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        result = asyncio.run(bench(args.grids, url, Path(tmp)))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
