"""`gridbot broadcast` / `gridbot broadcasts`: queue a broadcast for the running bot, watch it."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.config import Settings
from bot.db import check_schema, make_engine, make_session_factory, session_scope
from broadcasts.service import (
    BroadcastError,
    broadcast_report,
    create_broadcast,
    delivery_counts,
    list_broadcasts,
)
from models.tree_service import node_by_code

QUIET_HINT_S = 15  # no progress this long: say that a running bot is needed


def parse_time(text: str) -> datetime:
    """ISO time; without a zone it is taken as UTC (say +08:00 for Beijing time)."""
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def broadcast(args: argparse.Namespace) -> int:
    settings: Settings = args.settings
    engine = make_engine(settings.database.url)
    factory = make_session_factory(engine)
    try:
        await check_schema(engine)
        async with session_scope(factory) as session:
            node = await node_by_code(session, args.to)
            if node is None or node.id is None:
                print(f"gridbot: no node with code {args.to!r}", file=sys.stderr)
                return 1
            created = await create_broadcast(
                session,
                node_id=node.id,
                text=args.text or "",
                photo=args.photo,
                pin=args.pin,
                scheduled_at=parse_time(args.at) if args.at else None,
                now=Clock().now(),
            )
        print(
            f"broadcast {created.id} queued for {created.total} groups under {node.name}"
            f" ({created.skipped} inactive, skipped)"
        )
        if args.at or args.no_wait:
            return 0
        assert created.id is not None
        return await _watch(factory, created.id, created.total)
    except BroadcastError as exc:
        print(f"gridbot: {exc}", file=sys.stderr)
        return 1
    finally:
        await engine.dispose()


async def _watch(
    session_factory: async_sessionmaker[AsyncSession], broadcast_id: int, total: int
) -> int:
    """A progress bar from the outbox rows the running bot works through."""
    quiet, last = 0.0, -1
    while True:
        async with session_factory() as session:
            counts = (await delivery_counts(session, [broadcast_id]))[broadcast_id]
        done = counts.delivered + counts.failed + counts.skipped
        width = 30
        filled = width * done // max(total, 1)
        sys.stdout.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} "
            f"delivered {counts.delivered} failed {counts.failed}"
        )
        sys.stdout.flush()
        if counts.remaining == 0:
            break
        quiet = 0.0 if done != last else quiet + 1
        last = done
        if quiet == QUIET_HINT_S:
            print("\n(no progress yet: broadcasts are sent by the running bot, `gridbot run`)")
        await asyncio.sleep(1)
    print()
    async with session_factory() as session:
        for line in (await broadcast_report(session, broadcast_id)).lines():
            print(line)
    return 0


async def broadcasts(args: argparse.Namespace) -> int:
    settings: Settings = args.settings
    engine = make_engine(settings.database.url)
    try:
        await check_schema(engine)
        async with make_session_factory(engine)() as session:
            rows = await list_broadcasts(session, limit=args.limit)
    finally:
        await engine.dispose()
    if not rows:
        print("no broadcasts yet")
    for b in rows:
        c = b.counts
        first = b.text.splitlines()[0][:30] if b.text else "(photo)"
        print(
            f"#{b.id} {b.status.value:9} {b.created_at:%Y-%m-%d %H:%M} {c.total:5} groups "
            f"{c.delivered:5} delivered {c.failed:4} failed {c.skipped:4} skipped  {first}"
        )
    return 0
