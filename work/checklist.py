"""The duty checklist (清单): items from the config, each done once per grid per ISO week."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from models.people import Person
from models.tree import Node
from models.work import ChecklistMark


@dataclass(frozen=True)
class Item:
    key: str
    label: str


@dataclass(frozen=True)
class Week:
    period: str  # "2026-W48"
    monday: date
    sunday: date


@dataclass(frozen=True)
class Line:
    item: Item
    done_at: datetime | None = None
    done_by: str = ""


def week_of(now: datetime, tz: tzinfo) -> Week:
    """The ISO week `now` falls in, in the district's time zone."""
    local = now.astimezone(tz).date()
    year, week, weekday = local.isocalendar()
    monday = local - timedelta(days=weekday - 1)
    return Week(f"{year}-W{week:02d}", monday, monday + timedelta(days=6))


async def week_lines(
    session: AsyncSession, node: Node, items: Sequence[Item], week: Week
) -> list[Line]:
    """Every configured item with who did it this week, in the configured order."""
    result = await session.execute(
        select(ChecklistMark, Person.name)
        .join(Person, col(Person.id) == ChecklistMark.person_id)
        .where(ChecklistMark.node_id == node.id, ChecklistMark.period == week.period)
    )
    marks = {mark.item: (mark, name) for mark, name in result.all()}
    lines = []
    for item in items:
        mark, name = marks.get(item.key, (None, ""))
        lines.append(Line(item, mark.done_at if mark else None, name))
    return lines


async def mark_done(
    session: AsyncSession, node: Node, item: Item, person: Person, week: Week, now: datetime
) -> bool:
    """Mark the item done for the week; False when it already was (the first mark stays)."""
    assert node.id is not None and person.id is not None
    existing = await session.execute(
        select(ChecklistMark.id).where(
            ChecklistMark.node_id == node.id,
            ChecklistMark.item == item.key,
            ChecklistMark.period == week.period,
        )
    )
    if existing.first() is not None:
        return False
    mark = ChecklistMark(
        node_id=node.id, item=item.key, period=week.period, person_id=person.id, done_at=now
    )
    try:
        async with session.begin_nested():  # a simultaneous second press meets the unique key
            session.add(mark)
    except IntegrityError:
        return False
    return True
