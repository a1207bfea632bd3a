"""Figures from the daily totals (models/totals.py): what /stats, `gridbot stats`, the digest
and the web console all read, through `part_figures` (and stats.breakdown.build_report).

Counts: one summed row per child of the scope and one for the scope itself, over the period's
days; the scope's own level is its total less its children's. Exact for every period, since
periods are whole local days, the rows' unit. Timings: exact from the tickets for periods up
to EXACT_DAYS days, estimated from monthly buckets beyond (stats/timing.py). Broadcasts:
finished ones from their totals (models/broadcast_totals.py), the rest from their
deliveries; 可能需要关注 from their rows (few).
When the totals are not counted in the period's zone (a new zone in the config, or an old
database before `gridbot stats rebuild-totals`), everything is recounted from the rows.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.tree import Node
from stats.figures import PartFigures, exact_timings, part_keys, recount_part_figures, reviews
from stats.model import Figures
from stats.period import Period
from stats.reach import totalled_broadcast_figures
from stats.sql import dialect_of
from stats.timing import EXACT_DAYS, estimated_timings
from stats.totals import day_sums, fill, totals_usable


async def part_figures(
    session: AsyncSession, root: Node, period: Period, *, recount: bool = False
) -> tuple[PartFigures, Figures]:
    """Figures per part (parts without any row are absent) and for the whole scope;
    `recount` counts from the rows themselves (the slow path, kept for comparison)."""
    if recount or not await totals_usable(session, period):
        return await recount_part_figures(session, root, period)
    assert root.id is not None
    children = await child_ids(session, root)
    parts: PartFigures = defaultdict(Figures)
    await _counts(session, root.id, children, period, parts)
    keys = part_keys(root, dialect_of(session))
    await totalled_broadcast_figures(session, root.id, children, keys, period, parts)
    await reviews(session, keys, period, parts)
    total = Figures()
    for figures in parts.values():
        total.add_counts(figures)
    if len(period.days) <= EXACT_DAYS:
        await exact_timings(session, keys, period, parts, total)
    else:
        await estimated_timings(session, root, children, keys, period, parts, total)
    return parts, total


async def child_ids(session: AsyncSession, node: Node) -> list[int]:
    result = await session.execute(select(col(Node.id)).where(col(Node.parent_id) == node.id))
    return [node_id for node_id in result.scalars() if node_id is not None]


async def _counts(
    session: AsyncSession, root_id: int, children: list[int], period: Period, parts: PartFigures
) -> None:
    sums = await day_sums(session, [root_id, *children], period.first, period.last)
    own = Counter(sums.get(root_id, Counter()))
    for child in children:
        counts = sums.get(child)
        if counts:
            fill(parts[child], counts)
            own.subtract(counts)
    if any(own.values()):
        fill(parts[root_id], own)
