"""Keeping the daily totals in the same transaction as every ticket change (models/totals.py).

    async with counting(session, ticket.id):
        ...change the ticket, record its events...

reads the ticket's share before (locking its row, so no other change interleaves) and after,
and adds the difference to every node above the ticket. `count_opened` counts a new ticket,
`count_work_log` a new work-log entry. Before the first rebuild of an existing database (no
`total_zone` row) nothing is counted: the rebuild counts everything.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.vocabulary import EventKind
from models.tally import Share, TicketFacts, difference, ticket_share, work_log_share
from models.tickets import Ticket, TicketEvent
from models.totals import daily_timing, daily_total, monthly_timing, total_zone
from models.tree import Node
from models.work import WorkLog


async def counted_zone(session: AsyncSession) -> ZoneInfo | None:
    """The zone the totals are counted in; None before the first rebuild."""
    found = await session.scalar(select(total_zone.c.zone).where(total_zone.c.id == 1))
    return ZoneInfo(found) if found else None


FACT_COLUMNS = (
    col(Node.lineage), col(Ticket.created_at), col(Ticket.category), col(Ticket.status),
    col(Ticket.rating), col(Ticket.claimed_at), col(Ticket.resolved_at),
    col(Ticket.escalation_level),
)  # fmt: skip


async def ticket_facts(
    session: AsyncSession, ticket_id: int, *, lock: bool = False
) -> TicketFacts | None:
    """The ticket as stored now (pending changes flushed first), None if there is none."""
    query = (
        select(*FACT_COLUMNS)
        .join(Node, col(Node.id) == Ticket.node_id)
        .where(col(Ticket.id) == ticket_id)
    )
    if lock:
        query = query.with_for_update(of=Ticket)  # type: ignore[arg-type]
    row = (await session.execute(query)).first()
    if row is None:
        return None
    ups: Counter[Any] = Counter()
    if row.escalation_level > 0:
        levels = await session.execute(
            select(col(Node.level), func.count())
            .select_from(TicketEvent)
            .join(Node, col(Node.id) == TicketEvent.node_id)
            .where(col(TicketEvent.ticket_id) == ticket_id)
            .where(col(TicketEvent.kind) == EventKind.escalated)
            .group_by(col(Node.level))
        )
        ups.update({level: count for level, count in levels.all()})
    return facts_of(row, ups)


def facts_of(row: Any, escalations: Counter[Any]) -> TicketFacts:
    """TicketFacts from a row selecting FACT_COLUMNS (any other columns before them)."""
    return TicketFacts(
        row.lineage, row.created_at, row.category, row.status, row.rating, row.claimed_at,
        row.resolved_at, escalations if row.escalation_level > 0 else Counter(),
    )  # fmt: skip


@asynccontextmanager
async def counting(session: AsyncSession, ticket_id: int | None) -> AsyncIterator[None]:
    """Count whatever the block changes on the ticket, in the same transaction."""
    zone = await counted_zone(session)
    if zone is None or ticket_id is None:
        yield
        return
    before = await ticket_facts(session, ticket_id, lock=True)
    yield
    after = await ticket_facts(session, ticket_id)
    await add_change(
        session,
        ticket_share(before, zone) if before else None,
        ticket_share(after, zone) if after else None,
    )


async def count_opened(session: AsyncSession, ticket_id: int | None) -> None:
    """Count a ticket just added (flushed) to the session."""
    zone = await counted_zone(session)
    if zone is None or ticket_id is None:
        return
    facts = await ticket_facts(session, ticket_id)
    if facts is not None:
        await add_change(session, None, ticket_share(facts, zone))


async def count_work_log(session: AsyncSession, entry: WorkLog) -> None:
    zone = await counted_zone(session)
    node = await session.get(Node, entry.node_id)
    if zone is None or node is None:
        return
    share = work_log_share(node.lineage, entry.kind, entry.created_at, zone)
    await add_change(session, None, share)


async def add_change(session: AsyncSession, before: Share | None, after: Share | None) -> None:
    """Add `after` and take away `before` on every node above, as one statement per table."""
    same_place = before and after and (before.node_ids, before.day) == (after.node_ids, after.day)
    if before is not None and after is not None and same_place:
        counts = difference(after.counts, before.counts)
        await add_to(session, after, counts, difference(after.timings, before.timings))
        return
    for share, sign in ((before, -1), (after, 1)):
        if share is not None:
            counts = {key: sign * n for key, n in share.counts.items()}
            await add_to(session, share, counts, {k: sign * n for k, n in share.timings.items()})


async def add_to(
    session: AsyncSession,
    place: Share,
    counts: dict[str, int],
    timings: dict[tuple[str, int], int],
) -> None:
    if counts:
        await add_days(session, place.node_ids, [(place.day, counts)])
    if timings:
        rows = [
            {"node_id": node_id, "month": place.month, "measure": m, "bucket": b, "total": n}
            for node_id in place.node_ids
            for (m, b), n in timings.items()
        ]
        await add_months(session, rows)
        daily = [
            {"node_id": node_id, "day": place.day, "measure": m, "bucket": b, "total": n}
            for node_id in place.daily_timing_ids
            for (m, b), n in timings.items()
        ]
        await add_daily_timings(session, daily)


def _insert(session: AsyncSession, table: Any) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


async def add_days(
    session: AsyncSession, node_ids: Iterable[int], days: list[tuple[date, dict[str, int]]]
) -> None:
    """Add amounts to daily_total rows, creating them as needed; every dict has the same keys."""
    rows = [{"node_id": n, "day": day, **counts} for day, counts in days for n in node_ids]
    await upsert_days(session, rows)


async def upsert_days(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Rows of (node_id, day, amounts): added to what is there. Every row has the same keys."""
    names = [name for name in rows[0] if name not in ("node_id", "day")]
    statement = _insert(session, daily_total)
    statement = statement.on_conflict_do_update(
        index_elements=["node_id", "day"],
        set_={name: daily_total.c[name] + statement.excluded[name] for name in names},
    )
    await session.execute(statement, rows)


async def add_months(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    await _add_timings(session, monthly_timing, "month", rows)


async def add_daily_timings(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    await _add_timings(session, daily_timing, "day", rows)


async def _add_timings(
    session: AsyncSession, table: Any, period: str, rows: list[dict[str, Any]]
) -> None:
    """Add each row's total to its (node, period, measure, bucket) row, creating it as needed."""
    if not rows:
        return
    statement = _insert(session, table)
    statement = statement.on_conflict_do_update(
        index_elements=["node_id", period, "measure", "bucket"],
        set_={"total": table.c.total + statement.excluded.total},
    )
    await session.execute(statement, rows)
