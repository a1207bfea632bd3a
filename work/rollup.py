"""Headcount totals rolled up the tree: grid → community → town → district."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from models.tree import Node, lineage_ids
from models.work import HeadcountAnswer, HeadcountRound
from work.scope import GRID_LEVELS, subtree


class HeadcountFigures(NamedTuple):
    total: int
    answered_grids: int
    missing_grids: list[Node]


@dataclass
class Tally:
    node: Node
    total: int = 0
    answered: int = 0
    grids: int = 0

    @property
    def missing(self) -> int:
        return self.grids - self.answered


@dataclass
class Rollup:
    round: HeadcountRound
    view: Node
    tallies: dict[int, Tally] = field(default_factory=dict)
    missing: list[Node] = field(default_factory=list)  # grids without a number, tree order

    def of(self, node: Node) -> Tally:
        assert node.id is not None
        return self.tallies[node.id]

    @property
    def top(self) -> Tally:
        return self.of(self.view)

    def children(self, node: Node) -> list[Tally]:
        return [t for t in self.tallies.values() if t.node.parent_id == node.id and t.grids]

    def figures(self) -> HeadcountFigures:
        return HeadcountFigures(self.top.total, self.top.answered, list(self.missing))


async def rollup(session: AsyncSession, held: HeadcountRound, view: Node) -> Rollup:
    """Every node under `view` with the sum of its grids' answers in round `held`."""
    nodes = await subtree(session, view)
    result = await session.execute(
        select(HeadcountAnswer.node_id, HeadcountAnswer.count)
        .join(Node, col(Node.id) == HeadcountAnswer.node_id)
        .where(HeadcountAnswer.round_id == held.id, col(Node.lineage).startswith(view.lineage))
    )
    counts = {node_id: count for node_id, count in result.all()}
    done = Rollup(held, view, {n.id: Tally(n) for n in nodes if n.id is not None})
    grid_parents = {n.parent_id for n in nodes if n.level in GRID_LEVELS}
    for grid in nodes:
        if grid.level not in GRID_LEVELS or grid.id in grid_parents:
            continue
        count = counts.get(grid.id or 0)
        if count is None:
            done.missing.append(grid)
        for node_id in lineage_ids(grid.lineage):
            tally = done.tallies.get(node_id)
            if tally is None:
                continue
            tally.grids += 1
            if count is not None:
                tally.answered += 1
                tally.total += count
    return done
