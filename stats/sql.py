"""The few SQL pieces PostgreSQL and SQLite spell differently: durations, day numbers, quantiles.

Quantiles interpolate linearly between the two nearest ranks (PostgreSQL's percentile_cont,
Python's `statistics.quantiles(method="inclusive")`): position p·(n−1) in the sorted values.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Float, Integer, Subquery, and_, cast, func, literal, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from models.base import AwareDateTime

QUANTILES = (0.5, 0.9)
Key = Hashable


def dialect_of(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def seconds_between(later: Any, earlier: Any, dialect: str) -> ColumnElement[float]:
    """`later − earlier` in seconds, as a float."""
    if dialect == "postgresql":
        return cast(func.extract("epoch", later - earlier), Float)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def whole_days_since(value: Any, start: datetime, dialect: str) -> ColumnElement[int]:
    """How many whole 24-hour days after `start` the instant `value` lies (value ≥ start)."""
    days = seconds_between(value, literal(start, AwareDateTime()), dialect) / 86400.0
    if dialect == "postgresql":
        return cast(func.floor(days), Integer)
    return cast(days, Integer)  # SQLite truncates, which is floor for values ≥ 0


def id_list(column: Any, dialect: str) -> ColumnElement[Any]:
    """An aggregate of a group's integer ids, read back with parse_ids."""
    if dialect == "postgresql":
        return func.array_agg(column)
    return func.group_concat(column)


def parse_ids(value: Any) -> list[int]:
    """The ids of an id_list: a list on PostgreSQL, "1,2,3" on SQLite."""
    if value is None:
        return []
    if isinstance(value, str):
        return [int(part) for part in value.split(",")]
    return [int(part) for part in value]


async def quantiles(
    session: AsyncSession,
    values: Subquery,
    columns: Sequence[str],
    qs: Sequence[float] = QUANTILES,
) -> dict[Key | None, dict[str, tuple[float | None, ...]]]:
    """Quantiles `qs` of each of `columns` (NULLs left out) for each `values.c.key`, and for
    all rows together under the key None. Keys without any value are absent."""
    if dialect_of(session) == "postgresql":
        return await _percentile_cont(session, values, columns, qs)
    out: dict[Key | None, dict[str, tuple[float | None, ...]]] = {}
    for name in columns:
        for key in (values.c.key, None):
            for found, result in (await _ranked(session, values, key, name, qs)).items():
                out.setdefault(found, {})[name] = result
    return out


async def _percentile_cont(
    session: AsyncSession, values: Subquery, columns: Sequence[str], qs: Sequence[float]
) -> dict[Key | None, dict[str, tuple[float | None, ...]]]:
    """One pass: GROUPING SETS give every key and the whole (key NULL) together."""
    aggregates = [
        func.percentile_cont(q).within_group(values.c[name]) for name in columns for q in qs
    ]
    query = select(values.c.key, *aggregates).group_by(
        func.grouping_sets(tuple_(values.c.key), tuple_())
    )
    out: dict[Key | None, dict[str, tuple[float | None, ...]]] = {}
    for key, *found in (await session.execute(query)).all():
        width = len(qs)
        by_name = {
            name: tuple(_float(v) for v in found[i * width : (i + 1) * width])
            for i, name in enumerate(columns)
        }
        out[key] = {name: got for name, got in by_name.items() if got[0] is not None}
    return out


async def _ranked(
    session: AsyncSession, values: Subquery, key: Any, name: str, qs: Sequence[float]
) -> dict[Key | None, tuple[float | None, ...]]:
    """Window functions pick the two ranks around each position; Python interpolates them.
    `key` None ranks all rows together."""
    value = values.c[name]
    group = key if key is not None else literal(None)
    rank = func.row_number().over(partition_by=group, order_by=value)
    count = func.count().over(partition_by=group)
    ranked = (
        select(group.label("key"), value.label("value"), rank.label("rn"), count.label("n"))
        .where(value.is_not(None))
        .subquery()
    )
    near = [
        and_(
            ranked.c.rn >= cast(q * (ranked.c.n - 1), Integer) + 1,
            ranked.c.rn <= cast(q * (ranked.c.n - 1), Integer) + 2,
        )
        for q in qs
    ]
    result = await session.execute(
        select(ranked.c.key, ranked.c.value, ranked.c.rn, ranked.c.n).where(or_(*near))
    )
    by_key: dict[Key | None, tuple[int, dict[int, float]]] = {}
    for found, got, rn, n in result.all():
        by_key.setdefault(found, (int(n), {}))[1][int(rn)] = float(got)
    return {k: tuple(_interpolate(n, ranks, q) for q in qs) for k, (n, ranks) in by_key.items()}


def _interpolate(n: int, ranks: dict[int, float], q: float) -> float:
    position = q * (n - 1)
    low = math.floor(position)
    below = ranks[low + 1]
    above = ranks.get(low + 2, below)
    return below + (position - low) * (above - below)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)
