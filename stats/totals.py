"""Reading the daily totals (models/totals.py): sums over a period for a few nodes at once."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.timezone import zone_key
from core.vocabulary import Category, Level, Rating, TicketStatus, WorkKind
from models.totals import (
    CATEGORY,
    COUNT_COLUMNS,
    ESCALATED,
    RATING,
    STATUS,
    WORK,
    column_name,
    daily_timing,
    daily_total,
    monthly_timing,
)
from models.totals_write import counted_zone
from stats.model import Figures
from stats.period import Period

log = logging.getLogger("gridbot.stats")
Histogram = Counter[tuple[str, int]]  # (measure, bucket) → tickets


async def totals_usable(session: AsyncSession, period: Period) -> bool:
    """The totals are counted in the period's zone (else the figures are recounted)."""
    zone = await counted_zone(session)
    if zone is not None and zone.key == zone_key(period.tz):
        return True
    log.warning(
        "daily totals are counted in %s, not %s: recounting from the rows; "
        "run `gridbot stats rebuild-totals`",
        zone.key if zone else "no zone yet",
        zone_key(period.tz),
    )
    return False


async def day_sums(
    session: AsyncSession, node_ids: Sequence[int], first: date, last: date
) -> dict[int, Counter[str]]:
    """Each node's subtree totals over the local days first..last (nodes without rows absent)."""
    columns = [daily_total.c[name] for name in COUNT_COLUMNS]
    result = await session.execute(
        select(daily_total.c.node_id, *(func.sum(c) for c in columns))
        .where(daily_total.c.node_id.in_(node_ids), daily_total.c.day.between(first, last))
        .group_by(daily_total.c.node_id)
    )
    return {
        node_id: Counter({n: int(v) for n, v in zip(COUNT_COLUMNS, sums, strict=True) if v})
        for node_id, *sums in result.all()
    }


async def month_sums(
    session: AsyncSession, node_ids: Sequence[int], first: date, last: date
) -> dict[int, Histogram]:
    """Each node's timing buckets over the months starting first..last."""
    month = monthly_timing.c.month
    return await _timing_sums(session, monthly_timing, month, node_ids, first, last)


async def day_timing_sums(
    session: AsyncSession, node_ids: Sequence[int], first: date, last: date
) -> dict[int, Histogram]:
    """Each node's timing buckets over the local days first..last (the district and its towns
    only: models/totals.py DAILY_TIMING_DEPTH)."""
    return await _timing_sums(session, daily_timing, daily_timing.c.day, node_ids, first, last)


async def _timing_sums(
    session: AsyncSession,
    table: Table,
    when: ColumnElement[date],
    node_ids: Sequence[int],
    first: date,
    last: date,
) -> dict[int, Histogram]:
    result = await session.execute(
        select(table.c.node_id, table.c.measure, table.c.bucket, func.sum(table.c.total))
        .where(table.c.node_id.in_(node_ids), when.between(first, last))
        .group_by(table.c.node_id, table.c.measure, table.c.bucket)
    )
    out: dict[int, Histogram] = {}
    for node_id, measure, bucket, total in result.all():
        out.setdefault(node_id, Counter())[(measure, bucket)] += int(total)
    return out


def fill(figures: Figures, counts: Counter[str]) -> None:
    """Put a subtree's summed columns into its figures (only what is not zero)."""
    targets: tuple[tuple[str, type[StrEnum], Counter[Any]], ...] = (
        (CATEGORY, Category, figures.by_category),
        (STATUS, TicketStatus, figures.by_status),
        (RATING, Rating, figures.by_rating),
        (ESCALATED, Level, figures.escalations),
        (WORK, WorkKind, figures.work_logs),
    )
    for kind, members, target in targets:
        for member in members:
            amount = counts[column_name(kind, member.value)]
            if amount:
                target[member] += amount


async def categories_per_day(
    session: AsyncSession, node_id: int, period: Period
) -> dict[date, Counter[Category]]:
    """Tickets opened each local day of the period in the node's subtree, by category."""
    columns = {c: daily_total.c[column_name(CATEGORY, c.value)] for c in Category}
    result = await session.execute(
        select(daily_total.c.day, *columns.values()).where(
            daily_total.c.node_id == node_id, daily_total.c.day.between(period.first, period.last)
        )
    )
    out: dict[date, Counter[Category]] = {d: Counter() for d in period.days}
    for day, *amounts in result.all():
        out[day].update({c: n for c, n in zip(columns, amounts, strict=True) if n})
    return out
