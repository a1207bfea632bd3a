"""The grids under a node: what a headcount counts and a checklist is kept for. (Who may act
on which node is models/access.py.)"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from models.tree import Level, Node

GRID_LEVELS = frozenset({Level.grid, Level.micro_grid})


async def counting_grids(session: AsyncSession, root: Node) -> list[Node]:
    """The grids under `root` (itself included) that have no grid below them: one number each."""
    result = await session.execute(
        select(Node)
        .where(col(Node.lineage).startswith(root.lineage), col(Node.level).in_(list(GRID_LEVELS)))
        .order_by(col(Node.lineage))
    )
    grids = list(result.scalars())
    parents = {grid.parent_id for grid in grids}
    return [grid for grid in grids if grid.id not in parents]


async def subtree(session: AsyncSession, root: Node) -> list[Node]:
    result = await session.execute(
        select(Node).where(col(Node.lineage).startswith(root.lineage)).order_by(col(Node.lineage))
    )
    return list(result.scalars())
