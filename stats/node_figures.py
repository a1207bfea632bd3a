"""The figures on the 网格 page's cards, computed only as far as the cards show them.

A card shows the period's tickets, 办结率 and 满意率, the tickets open now and the latest
headcount: the numbers /stats shows for the same parts (stats.rolled.part_figures from the
daily totals, stats.breakdown.add_headcount), read the cheap way. Counts are the daily totals
of just the node and its page of children (no timings, broadcasts or 可能需要关注, which the
cards do not show and which cost most); the headcount is /stats's own (stats.headcount, one
grouped query); open tickets sum only the status columns. tests/test_console_node_figures.py
checks them against the /stats way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.vocabulary import TicketStatus
from models.totals import STATUS, column_name, daily_total
from models.tree import Node
from stats.model import Figures
from stats.period import Period
from stats.totals import day_sums, fill

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
