"""The latest headcount round of a report's node, summed per child in one grouped query.

The same sums as work.rollup.rollup (which the 人口统计 page uses for its tree and its list of
missing grids), without loading the subtree: each counting grid (a grid with no grid below it)
is grouped by the report's part it lies in (stats.figures.part_keys), with its answer if any.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from models.tree import Node
from models.work import HeadcountAnswer
from stats.figures import part_keys
from stats.model import Headcount
from stats.sql import dialect_of
from work.headcount import latest_round
from work.scope import GRID_LEVELS


@dataclass(frozen=True)
class PartHeadcounts:
    total: Headcount
    parts: dict[int, Headcount]  # part key (a child's id, or the node's own) → its grids' sums


async def part_headcounts(session: AsyncSession, node: Node) -> PartHeadcounts | None:
    """The latest round's sums for the node and per part; None when no round covers it."""
    held = await latest_round(session, node)
    if held is None:
        return None
    keys = part_keys(node, dialect_of(session))
    below = aliased(Node)
    has_grid_below = exists().where(
        col(below.parent_id) == Node.id, col(below.level).in_(list(GRID_LEVELS))
    )
    answer = and_(
        col(HeadcountAnswer.round_id) == held.id, col(HeadcountAnswer.node_id) == Node.id
    )
    query = (
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
    for key, grids, answered, people in (await session.execute(query)).all():
        parts[int(key)] = Headcount(int(people), int(answered), int(grids) - int(answered))
        total = Headcount(
            total.total + int(people),
            total.answered_grids + int(answered),
            total.missing_grids + int(grids) - int(answered),
        )
    return PartHeadcounts(total, parts)
