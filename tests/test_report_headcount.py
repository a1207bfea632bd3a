"""The report's headcount (stats.headcount, one grouped query) on SQLite and PostgreSQL gives
the same sums as work.rollup, the 人口统计 page's tree, for every node: micro-grids count
instead of the grid above them, unanswered grids are missing, an older round is ignored."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from core.clock import FakeClock
from core.db import session_scope
from models.tree import Level, Node
from models.work import HeadcountAnswer, HeadcountRound
from stats.headcount import part_headcounts
from stats.model import Headcount
from tests.support.console import GRID, small_district
from work.rollup import rollup

Factory = async_sessionmaker[AsyncSession]


async def _micro_grids_and_rounds(factory: Factory) -> None:
    """Two micro-grids under GRID; yesterday's round (ignored) and today's, partly answered."""
    now = FakeClock().now()
    async with session_scope(factory) as s:
        grid = (await s.execute(select(Node).where(Node.code == GRID))).scalar_one()
        for n in (1, 2):
            micro = Node(code=f"{GRID}-{n}", name=f"微网格{n}", level=Level.micro_grid,
                         parent_id=grid.id)  # fmt: skip
            s.add(micro)
            await s.flush()
            micro.lineage = f"{grid.lineage}{micro.id}/"
        root = (await s.execute(select(Node).where(col(Node.parent_id).is_(None)))).scalar_one()
        assert root.id is not None
        old = HeadcountRound(node_id=root.id, day="2026-01-01", deadline_at=now - timedelta(1))
        new = HeadcountRound(node_id=root.id, day="2026-01-02", deadline_at=now)
        s.add_all([old, new])
        await s.flush()
        assert old.id is not None and new.id is not None
        grids = (await s.execute(select(Node).where(Node.level == Level.grid))).scalars()
        micro_one = (await s.execute(select(Node).where(Node.code == f"{GRID}-1"))).scalar_one()
        for i, node in enumerate([*grids, micro_one]):
            s.add(HeadcountAnswer(round_id=old.id, node_id=node.id, count=1000))
            if i % 2 == 0:
                s.add(HeadcountAnswer(round_id=new.id, node_id=node.id, count=10 + i))


async def test_every_node_sums_as_the_headcount_page_does(session_factory: Factory) -> None:
    await small_district(session_factory)
    await _micro_grids_and_rounds(session_factory)
    async with session_factory() as s:
        held = (
            await s.execute(select(HeadcountRound).where(HeadcountRound.day == "2026-01-02"))
        ).scalar_one()
        nodes = [n for n in (await s.execute(select(Node))).scalars() if n.level != Level.grid]
        for node in nodes:
            tallies = await rollup(s, held, node)
            found = await part_headcounts(s, node)
            assert found is not None
            top = tallies.top
            assert found.total == Headcount(top.total, top.answered, top.missing), node.code
            children = {t.node.id: t for t in tallies.children(node)}
            assert {k: v for k, v in found.parts.items() if k != node.id} == {
                i: Headcount(t.total, t.answered, t.missing) for i, t in children.items()
            }, node.code
    assert any(n.level == Level.community for n in nodes)
