"""Merging a duplicate group record into the one that carries the group's history.

When a group becomes a supergroup, the bot may record the new chat separately before it learns
of the migration. The old record then takes the new chat id; everything that points at the
duplicate (tickets, broadcast rows, reads, answers: any table with a foreign key to groups)
moves to the old record. A row that cannot move because the old record already has its twin
(say both records got the same broadcast) stays where it is, and the duplicate is then parked
rather than deleted: inactive, unbound, on a chat id no Telegram chat can have. Nothing is lost.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Column,
    Table,
    UniqueConstraint,
    Update,
    and_,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from models.groups import Group

PARKED_CHAT_BASE = -(2**62)  # Telegram chat ids fit in 52 bits: these are never real ones

GROUPS = Group.__table__  # type: ignore[attr-defined]


def parked_chat_id(group_id: int) -> int:
    return PARKED_CHAT_BASE - group_id


async def merge_duplicate(
    session: AsyncSession, keep: Group, duplicate: Group, now: datetime
) -> None:
    """Move what points at `duplicate` to `keep`; delete `duplicate` or, if some rows had to
    stay, park it. The caller then gives `keep` the duplicate's chat id."""
    assert keep.id is not None and duplicate.id is not None
    left = 0
    for table, column, twins in _references():
        await session.execute(_move(table, column, twins, duplicate.id, keep.id))
        left += (
            await session.scalar(
                select(func.count()).select_from(table).where(column == duplicate.id)
            )
            or 0
        )
    if left:
        duplicate.chat_id = parked_chat_id(duplicate.id)
        duplicate.active, duplicate.node_id = False, None
        duplicate.left_at = duplicate.left_at or now
    else:
        await session.delete(duplicate)
    await session.flush()


def _references() -> list[tuple[Table, Column[int], list[list[Column[object]]]]]:
    """Every column pointing at a group, with the other columns of each unique constraint it
    is part of (a row whose twin already points at the kept record cannot move)."""
    found = []
    for table in GROUPS.metadata.sorted_tables:
        for key in table.foreign_keys:
            if key.column.table is not GROUPS:
                continue
            column = key.parent
            twins = [
                [c for c in constraint.columns if c is not column]
                for constraint in table.constraints
                if isinstance(constraint, UniqueConstraint) and column.name in constraint.columns
            ]
            found.append((table, column, twins))
    return found


def _move(
    table: Table, column: Column[int], twins: list[list[Column[object]]], old: int, new: int
) -> Update:
    twin = table.alias("twin")
    clashes = [
        exists().where(
            twin.c[column.name] == new, and_(*(twin.c[c.name] == table.c[c.name] for c in cols))
        )
        for cols in twins
    ]
    query = update(table).where(column == old)
    if clashes:
        query = query.where(~or_(*clashes))
    return query.values({column.name: new})
