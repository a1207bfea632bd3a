"""`gridbot broadcast` / `gridbot broadcasts`: queue a broadcast for the running bot, watch it."""

from __future__ import annotations

import argparse
import asyncio
import html
import sys
from datetime import UTC, datetime, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from broadcasts.management import CancelOutcome, cancel_for, queued_scheduled
from broadcasts.send_time import SendTimeError, parse_send_time
from broadcasts.service import (
    BroadcastError,
    broadcast_report,
    create_broadcast,
    delivery_counts,
    list_broadcasts,
)
from broadcasts.texts import report_text, results_text
from core.clock import Clock
from core.config import Settings
from core.db import make_session_factory, open_engine, session_scope
from core.timezone import cli_time, district_zone
from models.broadcasts import Broadcast, BroadcastKind
from models.tree_service import node_by_code

QUIET_HINT_S = 15  # no progress this long: say that a running bot is needed


def parse_time(text: str, now: datetime | None = None, zone: tzinfo = UTC) -> datetime:
    """ISO time (without a zone taken as UTC: say +08:00 for Beijing time), or one of the chat's
    forms read in `zone` ("明天 8:00", "11-25 08:00", "08:00"; see broadcasts/send_time.py)."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return parse_send_time(text, now or Clock().now(), zone)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def broadcast(args: argparse.Namespace) -> int:
    settings: Settings = args.settings
    zone, now = district_zone(settings), Clock().now()
    try:
        at = parse_time(args.at, now, zone) if args.at else None
    except SendTimeError as exc:
        print(f"gridbot: --at {args.at!r}: {_TIME_PROBLEMS[exc.problem.value]}", file=sys.stderr)
        return 1
    engine = await open_engine(settings.database.url)
    factory = make_session_factory(engine)
    try:
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
                read_button=args.read_button,
                scheduled_at=at,
                now=now,
            )
        print(
            f"broadcast {created.id} queued for {created.total} groups under {node.name}"
            f" ({created.skipped} inactive, skipped)"
        )
        if at is not None:
            print(f"scheduled for {cli_time(at, zone)}")
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


_TIME_PROBLEMS = {
    "unreadable": "not a time (ISO, or 2026-11-25 08:00, 11-25 08:00, 明天 8:00, 08:00)",
    "past": "that time has passed",
    "too_far": "more than a year ahead",
}


async def broadcasts(args: argparse.Namespace) -> int:
    """List broadcasts; or --scheduled, --cancel N, --id N (the read roll-up)."""
    settings: Settings = args.settings
    engine = await open_engine(settings.database.url)
    zone = district_zone(settings)
    try:
        factory = make_session_factory(engine)
        if args.cancel is not None:
            return await _cancel(factory, args.cancel)
        async with factory() as session:
            if args.id is not None:
                return await _report(session, args.id, zone)
            if args.scheduled:
                return await _scheduled(session, zone)
            rows = await list_broadcasts(session, limit=args.limit)
    finally:
        await engine.dispose()
    if not rows:
        print("no broadcasts yet")
    for b in rows:
        c = b.counts
        first = b.text.splitlines()[0][:30] if b.text else "(photo)"
        print(
            f"#{b.id} {b.status.value:9} {cli_time(b.created_at, zone)} {c.total:5} groups "
            f"{c.delivered:5} delivered {c.failed:4} failed {c.skipped:4} skipped  {first}"
        )
    return 0


async def _report(session: AsyncSession, broadcast_id: int, zone: tzinfo) -> int:
    """The same roll-up /broadcast_report shows (and /poll_results for a poll), then every
    failed or skipped group."""
    try:
        text = await report_text(session, broadcast_id, zone)
    except LookupError:
        print(f"gridbot: no broadcast {broadcast_id}", file=sys.stderr)
        return 1
    print(html.unescape(text))
    broadcast = await session.get(Broadcast, broadcast_id)
    if broadcast is not None and broadcast.kind is BroadcastKind.poll:
        print(html.unescape(await results_text(session, broadcast_id)))
    for line in (await broadcast_report(session, broadcast_id)).lines()[1:]:
        print(line)
    return 0


async def _scheduled(session: AsyncSession, zone: tzinfo) -> int:
    waiting = await queued_scheduled(session, limit=1000)
    if not waiting:
        print("no scheduled broadcasts waiting")
    for b in waiting:
        assert b.scheduled_at is not None
        first = b.text.splitlines()[0][:30] if b.text else "(photo)"
        print(f"#{b.id} {cli_time(b.scheduled_at, zone)} {b.total:5} groups  {first}")
    return 0


async def _cancel(factory: async_sessionmaker[AsyncSession], broadcast_id: int) -> int:
    async with session_scope(factory) as session:
        done = await cancel_for(session, None, broadcast_id, Clock().now())
    said = {
        CancelOutcome.cancelled: "cancelled; nothing had been sent",
        CancelOutcome.stopped: f"stopped; it had started: {done.counts.delivered} groups "
        "got it, the rest will not",
        CancelOutcome.finished: "already sent to every group; nothing to cancel",
        CancelOutcome.cancelled_before: "was already cancelled",
    }.get(done.outcome)
    if said is None:
        print(f"gridbot: no broadcast {broadcast_id}", file=sys.stderr)
        return 1
    print(f"broadcast {broadcast_id} {said}")
    return 0 if done.outcome in {CancelOutcome.cancelled, CancelOutcome.stopped} else 1
