"""What the database already holds, loaded for an import with one query per table."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlmodel import col

from models.people import Person, Role, RoleKind
from models.tree import Level, Node

# The models type ids as `int | None` (unset before an insert); read back they are ints.
NODE_ID = cast(InstrumentedAttribute[int], Node.id)
PERSON_ID = cast(InstrumentedAttribute[int], Person.id)
ROLE_ID = cast(InstrumentedAttribute[int], Role.id)


@dataclass
class DbNode:
    id: int
    code: str
    name: str
    level: Level
    parent_id: int | None
    lineage: str


@dataclass
class DbPerson:
    id: int
    key: str | None
    name: str
    phone: str | None
    telegram_id: int | None
    telegram_username: str | None


RoleKey = tuple[int, RoleKind]  # (node id, kind)


@dataclass
class DbState:
    nodes: dict[str, DbNode] = field(default_factory=dict)  # by code
    codes: dict[int, str] = field(default_factory=dict)  # node id -> code
    people: dict[str, DbPerson] = field(default_factory=dict)  # by key
    by_telegram: dict[int, DbPerson] = field(default_factory=dict)
    roles: dict[int, dict[RoleKey, int]] = field(default_factory=dict)  # person id -> role ids

    def parent_code(self, code: str) -> str | None:
        parent_id = self.nodes[code].parent_id
        return None if parent_id is None else self.codes[parent_id]


def node_columns() -> tuple[Any, ...]:
    """id, code, name, level, parent_id, lineage: what both the import and the export read."""
    return (
        NODE_ID,
        col(Node.code),
        col(Node.name),
        col(Node.level),
        col(Node.parent_id),
        col(Node.lineage),
    )


async def load_state(session: AsyncSession) -> DbState:
    state = DbState()
    await _load_nodes(session, state)
    await _load_people(session, state)
    await _load_roles(session, state)
    return state


async def _load_nodes(session: AsyncSession, state: DbState) -> None:
    result = await session.execute(select(*node_columns()))
    for id_, code, name, level, parent_id, lineage in result.all():
        state.nodes[code] = DbNode(id_, code, name, Level(level), parent_id, lineage)
        state.codes[id_] = code


async def _load_people(session: AsyncSession, state: DbState) -> None:
    """People with a key (staff) or a Telegram id (anyone the id could collide with)."""
    result = await session.execute(
        select(
            PERSON_ID,
            col(Person.key),
            col(Person.name),
            col(Person.phone),
            col(Person.telegram_user_id),
            col(Person.telegram_username),
        ).where(or_(col(Person.key).is_not(None), col(Person.telegram_user_id).is_not(None)))
    )
    for row in result.all():
        person = DbPerson(*row)
        if person.key is not None:
            state.people[person.key] = person
        if person.telegram_id is not None:
            state.by_telegram[person.telegram_id] = person


async def _load_roles(session: AsyncSession, state: DbState) -> None:
    """Roles of people with a key: the only people whose roles an import may replace."""
    result = await session.execute(
        select(ROLE_ID, col(Role.person_id), col(Role.node_id), col(Role.kind))
        .join(Person, col(Person.id) == Role.person_id)
        .where(col(Person.key).is_not(None))
    )
    for id_, person_id, node_id, kind in result.all():
        state.roles.setdefault(person_id, {})[(node_id, RoleKind(kind))] = id_
