"""The figures on the 网格 page's cards, computed only as far as the cards show them.

A card shows the period's tickets, 办结率 and 满意率, the tickets open now and the latest
headcount: the numbers /stats shows for the same parts (stats.rolled.part_figures from the
daily totals, stats.breakdown.add_headcount), read the cheap way. Counts are the daily totals
of just the node and its page of children (no timings, broadcasts or 可能需要关注, which the
cards do not show and which cost most); the headcount is summed per part in one grouped query
instead of rolling the whole subtree up in Python (work.rollup); open tickets sum only the
status columns. tests/test_console_node_figures.py checks them against the /stats way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from sqlalchemy import and_, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from core.vocabulary import TicketStatus
from models.totals import STATUS, column_name, daily_total
from models.tree import Node, lineage_ids
from models.work import HeadcountAnswer, HeadcountRound
from stats.figures import part_keys
from stats.model import Figures, Headcount
from stats.period import Period
from stats.sql import dialect_of
from stats.totals import day_sums, fill
from work.scope import GRID_LEVELS

STATUS_COLUMNS = [column_name(STATUS, s.value) for s in TicketStatus]


async def counted_figures(
    session: AsyncSession, root: Node, children: Sequence[int], period: Period
) -> tuple[dict[int, Figures], Figures]:
    """The period's counts for each of `children` (of `root`) and for `root`'s whole subtree,
    from the daily totals (which must be usable for the period: stats.totals.totals_usable).
    As part_figures: a child's counts are its subtree's, the total is the root's subtree's."""
    assert root.id is not None
    sums = await day_sums(session, [root.id, *children], period.first, period.last)
    out: dict[int, Figures] = {}
    for node_id, counts in sums.items():
        out[node_id] = Figures()
        fill(out[node_id], counts)
    return {c: out[c] for c in children if c in out}, out.pop(root.id, Figures())


async def open_now(session: AsyncSession, node_ids: Sequence[int]) -> dict[int, int]:
    """Tickets open now in each node's subtree: the status columns summed over every day
    (each ticket counted on its opening day, in its state now); nodes without rows absent."""
    columns = [daily_total.c[name] for name in STATUS_COLUMNS]
    result = await session.execute(
        select(daily_total.c.node_id, *(func.sum(c) for c in columns))
        .where(daily_total.c.node_id.in_(node_ids))
        .group_by(daily_total.c.node_id)
    )
    out: dict[int, int] = {}
    for node_id, *sums in result.all():
        figures = Figures()
        fill(figures, Counter({n: int(v) for n, v in zip(STATUS_COLUMNS, sums, strict=True)}))
        out[node_id] = figures.open
    return out


async def latest_round(session: AsyncSession, node: Node) -> HeadcountRound | None:
    """The newest headcount round covering `node` (opened on it or above), as /stats picks."""
    result = await session.execute(
        select(HeadcountRound)
        .where(col(HeadcountRound.node_id).in_(lineage_ids(node.lineage)))
        .order_by(col(HeadcountRound.day).desc(), col(HeadcountRound.id).desc())
        .limit(1)
    )
    return result.scalar_one_or_none()


async def part_headcounts(
    session: AsyncSession, root: Node
) -> tuple[dict[int, Headcount], Headcount | None]:
    """The latest round's headcount for each part of `root` with counting grids (its children,
    and root itself for grids right on it) and for the whole subtree (None: no round).

    As work.rollup: a counting grid is a grid-level node without a grid-level child; a part's
    figure is the sum of its counting grids' answers, answered and missing among them."""
    held = await latest_round(session, root)
    if held is None:
        return {}, None
    keys = part_keys(root, dialect_of(session))
    below = aliased(Node)
    has_grid_below = exists().where(
        col(below.parent_id) == Node.id, col(below.level).in_(list(GRID_LEVELS))
    )
    answer = and_(
        col(HeadcountAnswer.node_id) == Node.id, col(HeadcountAnswer.round_id) == held.id
    )
    result = await session.execute(
        select(
            keys.c.key,
            func.count(),
            func.count(col(HeadcountAnswer.id)),
            func.coalesce(func.sum(col(HeadcountAnswer.count)), 0),
        )
        .select_from(Node)
        .join(keys, keys.c.node_id == Node.id)
        .outerjoin(HeadcountAnswer, answer)
        .where(col(Node.level).in_(list(GRID_LEVELS)), ~has_grid_below)
        .group_by(keys.c.key)
    )
    parts: dict[int, Headcount] = {}
    total = Headcount(0, 0, 0)
    for key, grids, answered, people in result.all():
        found = Headcount(int(people), int(answered), int(grids) - int(answered))
        parts[int(key)] = found
        total.total += found.total
        total.answered_grids += found.answered_grids
        total.missing_grids += found.missing_grids
    return parts, total
