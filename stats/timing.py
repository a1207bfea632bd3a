"""Median and 90th percentile of the time to claim and to resolve, over long periods, from the
monthly log-scale buckets of models/totals.py.

Periods of up to EXACT_DAYS days are exact (stats.figures: the tickets themselves). Longer ones
add the buckets of the whole months inside the period to buckets counted from the tickets of
the days before and after them, and take the quantile's rank (the nearest rank to
p·(n−1), one of the two values the exact figure interpolates between) to the geometric middle
of its bucket. Bound: for times of a minute or more that is at most 9.5 % from the time at
that rank (each bucket is at most 1.19 times as wide as its start); under a minute, at most
5.3 s (tests/test_totals_timing.py checks it).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ARRAY, Float, Subquery, case, cast, func, select, tuple_
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from models.tickets import Ticket
from models.totals import BOUNDS, CLAIM, DAILY_TIMING_DEPTH, RESOLVE, bucket_estimate
from models.tree import Node, lineage_ids
from stats.figures import PartFigures, tickets_in
from stats.model import Figures
from stats.period import Period, days_period
from stats.sql import dialect_of, seconds_between
from stats.totals import Histogram, day_timing_sums, month_sums

EXACT_DAYS = 92
QUANTILES = (0.5, 0.9)


def whole_months(period: Period) -> tuple[date, date] | None:
    """The first and last month (first days) lying wholly inside the period, if any."""
    first = period.first if period.first.day == 1 else _next_month(period.first)
    last = period.last.replace(day=1)
    if _next_month(period.last) - timedelta(days=1) != period.last:  # ends inside a month
        last = _previous_month(last)
    return (first, last) if first <= last else None


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _previous_month(month: date) -> date:
    return (month - timedelta(days=1)).replace(day=1)


def edges(period: Period, months: tuple[date, date] | None) -> list[Period]:
    """The days of the period outside its whole months."""
    if months is None:
        return [period]
    out = []
    if period.first < months[0]:
        out.append(days_period(period.first, months[0] - timedelta(days=1), period.tz))
    end = _next_month(months[1])
    if end <= period.last:
        out.append(days_period(end, period.last, period.tz))
    return out


def bucket_sql(seconds: ColumnElement[float], dialect: str) -> ColumnElement[int]:
    """models.totals.bucket_of in SQL: how many bounds are at or below the seconds (NULL for
    NULL: a ticket not claimed or not resolved)."""
    if dialect == "postgresql":  # one call, not the seconds computed once per bound
        bounds = cast(postgresql.array([float(b) for b in BOUNDS]), ARRAY(Float))
        return func.width_bucket(seconds, bounds)
    seconds = func.round(seconds, 3)  # julianday differences carry float noise
    steps = ((seconds < bound, i) for i, bound in enumerate(BOUNDS))
    return case((seconds.is_(None), None), *steps, else_=len(BOUNDS))


def quantile(histogram: Histogram, measure: str, q: float) -> float | None:
    counts = sorted((b, n) for (m, b), n in histogram.items() if m == measure and n > 0)
    total = sum(n for _, n in counts)
    if not total:
        return None
    rank, seen = round(q * (total - 1)), 0
    for bucket, n in counts:
        seen += n
        if seen > rank:
            return bucket_estimate(bucket)
    raise AssertionError("unreachable: the ranks add up to the total")


def set_timings(figures: Figures, histogram: Histogram) -> None:
    figures.claim_p50, figures.claim_p90 = (quantile(histogram, CLAIM, q) for q in QUANTILES)
    figures.resolve_p50, figures.resolve_p90 = (quantile(histogram, RESOLVE, q) for q in QUANTILES)


async def estimated_timings(
    session: AsyncSession,
    root: Node,
    children: list[int],
    keys: Subquery,
    period: Period,
    parts: PartFigures,
    total: Figures,
) -> None:
    """Bucketed quantiles per part and for the whole scope (the parts' buckets added up)."""
    assert root.id is not None
    by_part: dict[int, Histogram] = {}
    months = whole_months(period)
    if months is not None:
        sums = await month_sums(session, [root.id, *children], *months)
        _add_parts(by_part, root.id, children, sums)
    daily = len(lineage_ids(root.lineage)) < DAILY_TIMING_DEPTH  # its children keep days too
    for edge in edges(period, months):
        if daily:
            days = await day_timing_sums(session, [root.id, *children], edge.first, edge.last)
            _add_parts(by_part, root.id, children, days)
            continue
        for key, histogram in (await edge_buckets(session, keys, edge)).items():
            by_part.setdefault(key, Counter()).update(histogram)
    whole: Histogram = Counter()
    for key, histogram in by_part.items():
        whole.update(histogram)
        if key in parts:
            set_timings(parts[key], histogram)
    set_timings(total, whole)


def _add_parts(
    by_part: dict[int, Histogram], root_id: int, children: list[int], sums: dict[int, Histogram]
) -> None:
    """Subtree sums of the root and its children added as parts: each child's own, and the
    root's own level as its sum less its children's."""
    own = Counter(sums.get(root_id, Counter()))
    for child in children:
        mine = sums.get(child, Counter())
        by_part.setdefault(child, Counter()).update(mine)
        own.subtract(mine)
    by_part.setdefault(root_id, Counter()).update(+own)


async def edge_buckets(
    session: AsyncSession, keys: Subquery, period: Period
) -> dict[int, Histogram]:
    """Buckets of the period's tickets per part, counted from the tickets themselves."""
    dialect = dialect_of(session)
    buckets = [
        bucket_sql(seconds_between(later, col(Ticket.created_at), dialect), dialect).label(name)
        for name, later in ((CLAIM, col(Ticket.claimed_at)), (RESOLVE, col(Ticket.resolved_at)))
    ]
    rows = tickets_in(keys, period).with_only_columns(keys.c.key.label("key"), *buckets).subquery()
    grouped: list[Any] = [rows.c.key, rows.c[CLAIM], rows.c[RESOLVE]]
    if dialect == "postgresql":
        # Each measure grouped apart (the other one NULL in its rows): a few hundred rows per
        # part instead of one per pair of buckets seen, which Python would have to add up.
        pairs = (tuple_(rows.c.key, rows.c[CLAIM]), tuple_(rows.c.key, rows.c[RESOLVE]))
        grouped = [func.grouping_sets(*pairs)]
    query = select(rows.c.key, rows.c[CLAIM], rows.c[RESOLVE], func.count()).group_by(*grouped)
    out: dict[int, Histogram] = {}
    for key, claim, resolve, count in (await session.execute(query)).all():
        histogram = out.setdefault(int(key), Counter())
        for measure, found in ((CLAIM, claim), (RESOLVE, resolve)):
            if found is not None:
                histogram[(measure, int(found))] += count
    return out
