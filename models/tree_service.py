"""Queries on the tree and on who holds which role where."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from models.people import Person, Role, RoleKind
from models.tree import PATH_SEPARATOR, Node, lineage_ids


async def node_by_code(session: AsyncSession, code: str) -> Node | None:
    """The node with this code, matched exactly or else without regard to case (people type
    `pg-01-001-02`); None when unknown or when two codes differ only in case."""
    code = code.strip()
    exact = (await session.execute(select(Node).where(col(Node.code) == code))).scalar()
    if exact is not None or not code:
        return exact
    folded = select(Node).where(func.lower(col(Node.code)) == code.lower()).limit(2)
    found = list((await session.execute(folded)).scalars())
    return found[0] if len(found) == 1 else None


async def ancestors_and_self(session: AsyncSession, node: Node) -> list[Node]:
    """The nodes from the root down to `node`, in that order, in one query."""
    ids = lineage_ids(node.lineage)
    result = await session.execute(select(Node).where(col(Node.id).in_(ids)))
    by_id = {n.id: n for n in result.scalars()}
    return [by_id[i] for i in ids if i in by_id]


def path_text(path: Sequence[Node]) -> str:
    return PATH_SEPARATOR.join(n.name for n in path)


async def person_by_telegram(session: AsyncSession, user_id: int) -> Person | None:
    result = await session.execute(select(Person).where(Person.telegram_user_id == user_id))
    return result.scalar_one_or_none()


async def responsible_workers(session: AsyncSession, node: Node) -> list[Person]:
    """Grid workers of the nearest node on the path up from `node` that has any."""
    path = await ancestors_and_self(session, node)
    ids = [n.id for n in path]
    result = await session.execute(
        select(Role, Person)
        .join(Person, col(Person.id) == Role.person_id)
        .where(col(Role.node_id).in_(ids), Role.kind == RoleKind.grid_worker)
        .order_by(Person.name)
    )
    by_node: dict[int, list[Person]] = {}
    for role, person in result.all():
        by_node.setdefault(role.node_id, []).append(person)
    for node_id in reversed(ids):
        if node_id is not None and node_id in by_node:
            return by_node[node_id]
    return []


async def roles_with_paths(session: AsyncSession, person: Person) -> list[tuple[Role, str]]:
    """Every role of `person` with the readable path of the node it is held on."""
    result = await session.execute(
        select(Role, Node)
        .join(Node, col(Node.id) == Role.node_id)
        .where(Role.person_id == person.id)
        .order_by(Node.lineage)
    )
    return [(role, path_text(await ancestors_and_self(session, node))) for role, node in result]


async def mark_private_chat(session: AsyncSession, user_id: int) -> Person | None:
    """The person opened a private chat with the bot, so it may message them from now on."""
    person = await person_by_telegram(session, user_id)
    if person is not None and not person.private_chat:
        person.private_chat = True
        await session.flush()
    return person
