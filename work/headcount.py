"""The daily headcount (在区人口统计): rounds opened for a subtree, one number per grid."""

from __future__ import annotations

from datetime import datetime, time, tzinfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from models.access import WORKERS, Actor, Refused
from models.people import Person
from models.tree import Node, lineage_ids
from models.work import HeadcountAnswer, HeadcountRound
from work.rollup import HeadcountFigures, Rollup, rollup
from work.scope import counting_grids

MAX_COUNT = 999_999

__all__ = ["HeadcountFigures", "Rollup", "headcount_latest", "rollup"]


def local_day(now: datetime, tz: tzinfo) -> str:
    return now.astimezone(tz).date().isoformat()


def deadline_today(now: datetime, tz: tzinfo, hhmm: str) -> datetime:
    """Today's HH:MM in the district's time zone, as an aware datetime."""
    hours, minutes = (int(part) for part in hhmm.split(":"))
    return datetime.combine(now.astimezone(tz).date(), time(hours, minutes), tz)


async def open_round_until(
    session: AsyncSession, node: Node, person: Person, now: datetime, tz: tzinfo, hhmm: str
) -> tuple[HeadcountRound, bool]:
    """Today's round for `node` with its deadline at HH:MM today; a deadline already past is
    Refused("past_deadline")."""
    deadline = deadline_today(now, tz, hhmm)
    if deadline <= now:
        raise Refused("past_deadline", deadline=hhmm, code=node.code)
    return await open_round(session, node, person, now, tz, deadline)


async def open_round(
    session: AsyncSession,
    node: Node,
    person: Person,
    now: datetime,
    tz: tzinfo,
    deadline: datetime,
) -> tuple[HeadcountRound, bool]:
    """Today's round for `node`, opened now unless it already was; True when new."""
    day = local_day(now, tz)
    found = await session.execute(
        select(HeadcountRound).where(
            HeadcountRound.node_id == node.id,
            HeadcountRound.day == day,
            col(HeadcountRound.closed_at).is_(None),
        )
    )
    existing = found.scalars().first()
    if existing is not None:
        return existing, False
    assert node.id is not None
    opened = HeadcountRound(
        node_id=node.id, day=day, opened_by=person.id, opened_at=now, deadline_at=deadline
    )
    session.add(opened)
    await session.flush()
    return opened, True


async def todays_rounds(
    session: AsyncSession, now: datetime, tz: tzinfo, over: Node | None = None
) -> list[HeadcountRound]:
    """Open rounds of today, newest first; with `over`, only those covering that node."""
    query = select(HeadcountRound).where(
        HeadcountRound.day == local_day(now, tz), col(HeadcountRound.closed_at).is_(None)
    )
    if over is not None:
        query = query.where(col(HeadcountRound.node_id).in_(lineage_ids(over.lineage)))
    result = await session.execute(query.order_by(col(HeadcountRound.id).desc()))
    return list(result.scalars())


async def answer(
    session: AsyncSession, grid: Node, person: Person, count: int, now: datetime, tz: tzinfo
) -> list[HeadcountRound]:
    """Record the grid's number in every open round of today that covers it; a second answer
    replaces the first. Empty when no round is open for the grid."""
    assert grid.id is not None
    rounds = await todays_rounds(session, now, tz, over=grid)
    for held in rounds:
        assert held.id is not None
        await _upsert(session, held.id, grid.id, person, count, now)
    return rounds


async def _upsert(
    session: AsyncSession, round_id: int, grid_id: int, person: Person, count: int, now: datetime
) -> None:
    for _attempt in range(2):  # a simultaneous first answer meets the unique key: update it
        found = await session.execute(
            select(HeadcountAnswer).where(
                HeadcountAnswer.round_id == round_id, HeadcountAnswer.node_id == grid_id
            )
        )
        existing = found.scalar_one_or_none()
        if existing is not None:
            existing.count, existing.person_id, existing.answered_at = count, person.id, now
            await session.flush()
            return
        try:
            async with session.begin_nested():
                session.add(
                    HeadcountAnswer(
                        round_id=round_id,
                        node_id=grid_id,
                        person_id=person.id,
                        count=count,
                        answered_at=now,
                    )
                )
        except IntegrityError:
            continue
        return


async def answerable_grids(
    session: AsyncSession, actor: Actor, now: datetime, tz: tzinfo
) -> list[Node]:
    """The counting grids of the actor's own grid-worker roles that a round of today covers."""
    grids: dict[int | None, Node] = {}
    for node in actor.nodes(WORKERS):
        for grid in await counting_grids(session, node):
            if await todays_rounds(session, now, tz, over=grid):
                grids[grid.id] = grid
    return list(grids.values())


async def status_round(
    session: AsyncSession, view: Node, now: datetime, tz: tzinfo
) -> HeadcountRound | None:
    """Today's round that covers `view`, else the newest of today inside its subtree."""
    covering = await todays_rounds(session, now, tz, over=view)
    if covering:
        return covering[0]
    inside = await session.execute(
        select(HeadcountRound)
        .join(Node, col(Node.id) == HeadcountRound.node_id)
        .where(
            HeadcountRound.day == local_day(now, tz),
            col(Node.lineage).startswith(view.lineage),
        )
        .order_by(col(HeadcountRound.id).desc())
        .limit(1)
    )
    return inside.scalar_one_or_none()


async def latest_round(session: AsyncSession, node: Node) -> HeadcountRound | None:
    """The newest round held at `node` or above it (so covering it), on any day."""
    result = await session.execute(
        select(HeadcountRound)
        .where(col(HeadcountRound.node_id).in_(lineage_ids(node.lineage)))
        .order_by(col(HeadcountRound.day).desc(), col(HeadcountRound.id).desc())
        .limit(1)
    )
    return result.scalar_one_or_none()


async def headcount_latest(session: AsyncSession, node: Node) -> HeadcountFigures | None:
    """The newest round covering `node` (any day): (total, answered_grids, missing_grids) over
    the grids under `node`; None when no round ever covered it."""
    latest = await latest_round(session, node)
    if latest is None:
        return None
    return (await rollup(session, latest, node)).figures()
