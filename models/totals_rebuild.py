"""Counting the daily totals from scratch (`gridbot stats rebuild-totals`; models/totals.py).

Idempotent: the rows are deleted and every ticket and work-log entry counted again, a month at
a time, in one transaction. On PostgreSQL the ticket, event and work-log tables are locked
against writes meanwhile (SHARE mode: readers go on), so no change slips between the recount
and its commit; the bot's own changes wait for it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.vocabulary import EventKind, Level
from models.broadcast_totals import broadcast_counted, broadcast_total, count_finished_broadcasts
from models.tally import Share, ticket_share, work_log_share
from models.tickets import Ticket, TicketEvent
from models.totals import COUNT_COLUMNS, daily_timing, daily_total, monthly_timing, total_zone
from models.totals_write import (
    FACT_COLUMNS,
    add_daily_timings,
    add_months,
    facts_of,
    upsert_days,
)
from models.tree import Node
from models.work import WorkLog

BATCH = 20_000
LOCKED = "ticket, ticket_event, work_log, broadcast, broadcast_delivery, broadcast_read"


class Pending:
    """Amounts gathered for the months read so far, written out when a month is complete."""

    def __init__(self) -> None:
        self.days: defaultdict[tuple[int, date], Counter[str]] = defaultdict(Counter)
        self.months: Counter[tuple[int, date, str, int]] = Counter()
        self.timing_days: Counter[tuple[int, date, str, int]] = Counter()
        self.month: date | None = None

    def add(self, share: Share) -> None:
        for node_id in share.node_ids:
            self.days[(node_id, share.day)].update(share.counts)
            for (measure, bucket), n in share.timings.items():
                self.months[(node_id, share.month, measure, bucket)] += n
        for node_id in share.daily_timing_ids:
            for (measure, bucket), n in share.timings.items():
                self.timing_days[(node_id, share.day, measure, bucket)] += n

    async def next_month(self, session: AsyncSession, month: date) -> None:
        if self.month is not None and month != self.month:
            await self.write(session)
        self.month = month

    async def write(self, session: AsyncSession) -> None:
        days = [
            {"node_id": node_id, "day": day, **{name: counts[name] for name in COUNT_COLUMNS}}
            for (node_id, day), counts in self.days.items()
        ]
        for start in range(0, len(days), BATCH):
            await upsert_days(session, days[start : start + BATCH])
        for adding, period, amounts in (
            (add_months, "month", self.months),
            (add_daily_timings, "day", self.timing_days),
        ):
            rows = [
                {"node_id": n, period: p, "measure": measure, "bucket": b, "total": total}
                for (n, p, measure, b), total in amounts.items()
            ]
            for start in range(0, len(rows), BATCH):
                await adding(session, rows[start : start + BATCH])
            amounts.clear()
        self.days.clear()


async def rebuild_totals(session: AsyncSession, zone: ZoneInfo) -> None:
    """Count every ticket and work-log entry again, in `zone`; the caller commits."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text(f"LOCK TABLE {LOCKED} IN SHARE MODE"))
    tables = (daily_total, monthly_timing, daily_timing, total_zone)
    for table in (*tables, broadcast_total, broadcast_counted):
        await session.execute(delete(table))
    pending = Pending()
    async for share in _ticket_shares(session, zone):
        await pending.next_month(session, share.month)
        pending.add(share)
    await pending.write(session)
    async for share in _work_log_shares(session, zone):
        await pending.next_month(session, share.month)
        pending.add(share)
    await pending.write(session)
    await count_finished_broadcasts(session)
    await session.execute(insert(total_zone).values(id=1, zone=zone.key))


async def _ticket_shares(session: AsyncSession, zone: ZoneInfo) -> AsyncIterator[Share]:
    query = (
        select(col(Ticket.id), *FACT_COLUMNS)
        .join(Node, col(Node.id) == Ticket.node_id)
        .order_by(col(Ticket.created_at))
    )
    result = await session.stream(query.execution_options(yield_per=BATCH))
    async for batch in result.partitions():
        ups = await _escalations(session, [row.id for row in batch if row.escalation_level > 0])
        for row in batch:
            yield ticket_share(facts_of(row, ups[row.id]), zone)


async def _escalations(
    session: AsyncSession, ticket_ids: list[int]
) -> defaultdict[int, Counter[Any]]:
    found: defaultdict[int, Counter[Any]] = defaultdict(Counter)
    if not ticket_ids:
        return found
    result = await session.execute(
        select(col(TicketEvent.ticket_id), col(Node.level), func.count())
        .join(Node, col(Node.id) == TicketEvent.node_id)
        .where(col(TicketEvent.ticket_id).in_(ticket_ids))
        .where(col(TicketEvent.kind) == EventKind.escalated)
        .group_by(col(TicketEvent.ticket_id), col(Node.level))
    )
    for ticket_id, level, count in result.all():
        found[ticket_id][Level(level)] += count
    return found


async def _work_log_shares(session: AsyncSession, zone: ZoneInfo) -> AsyncIterator[Share]:
    query = (
        select(col(Node.lineage), col(WorkLog.kind), col(WorkLog.created_at))
        .join(Node, col(Node.id) == WorkLog.node_id)
        .order_by(col(WorkLog.created_at))
    )
    result = await session.stream(query.execution_options(yield_per=BATCH))
    async for batch in result.partitions():
        for lineage, kind, created_at in batch:
            yield work_log_share(lineage, kind, created_at, zone)
