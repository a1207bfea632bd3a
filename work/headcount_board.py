"""人口统计: today's headcount round seen from a node, as /headcount_status shows it: the total
rolled up grid → community → town → district, each child with answered/total grids, and the
grids still missing (work.headcount.status_round picks the round, work.rollup counts it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession

from models.access import Actor
from models.tree import Node, lineage_ids
from models.work import HeadcountRound
from work.headcount import status_round
from work.rollup import Rollup, Tally, rollup

MISSING_PAGE = 100


@dataclass
class HeadcountBoard:
    round: HeadcountRound
    view: Node  # the node asked for, or the round's own node when the round is inside it
    total: int  # people counted so far under `view`
    answered: int  # grids that answered
    grids: int  # grids the round asks under `view`
    children: list[Tally]  # per child of `view` (with grids), in code order
    missing: list[Node]  # one page of the grids still missing, in tree order
    missing_total: int
    missing_offset: int
    deadline_passed: bool


async def headcount_board(
    session: AsyncSession,
    actor: Actor,
    node: Node,
    now: datetime,
    tz: tzinfo,
    *,
    missing_offset: int = 0,
    missing_limit: int = MISSING_PAGE,
) -> HeadcountBoard | None:
    """Today's round covering `node` (else the newest of today inside it), rolled up; None
    when no round runs today. Refused("scope") outside the actor's subtrees."""
    actor.require_node(node, code=node.code)
    held = await status_round(session, node, now, tz)
    if held is None:
        return None
    view = node
    if held.node_id not in lineage_ids(node.lineage):  # a round inside the view: its node
        view = await session.get(Node, held.node_id) or node
    counted = await rollup(session, held, view)
    return _board(counted, now, missing_offset, missing_limit)


def _board(counted: Rollup, now: datetime, offset: int, limit: int) -> HeadcountBoard:
    top = counted.top
    children = sorted(counted.children(counted.view), key=lambda t: t.node.code)
    return HeadcountBoard(
        counted.round,
        counted.view,
        top.total,
        top.answered,
        top.grids,
        children,
        counted.missing[offset : offset + limit],
        len(counted.missing),
        offset,
        counted.round.deadline_at <= now,
    )
