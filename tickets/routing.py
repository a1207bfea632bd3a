"""Who handles a ticket at a level of the tree, and where it goes when nobody can be reached."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from models.people import Person, Role, RoleKind
from models.tree import Level, Node
from models.tree_service import ancestors_and_self

GRID_LEVELS = frozenset({Level.grid, Level.micro_grid})


async def staff_at(session: AsyncSession, node: Node) -> list[Person]:
    """The people who act for `node` itself: grid workers on a grid, any staff above it."""
    kinds = (
        [RoleKind.grid_worker]
        if node.level in GRID_LEVELS
        else [k for k in RoleKind if k.is_staff]
    )
    result = await session.execute(
        select(Person)
        .join(Role, col(Role.person_id) == Person.id)
        .where(Role.node_id == node.id, col(Role.kind).in_(kinds))
        .order_by(col(Person.id))
        .distinct()
    )
    return list(result.scalars())


@dataclass
class Route:
    """Where a ticket lands: the node that must act, who is told, who could not be told."""

    node: Node
    recipients: list[Person] = field(default_factory=list)
    unreachable: list[Person] = field(default_factory=list)


async def route_from(session: AsyncSession, start: Node) -> Route:
    """Walk up from `start` to the first level with staff who have a private chat with the bot."""
    path = await ancestors_and_self(session, start)
    unreachable: list[Person] = []
    for node in reversed(path):
        staff = await staff_at(session, node)
        reachable = [p for p in staff if p.private_chat]
        unreachable.extend(p for p in staff if not p.private_chat)
        if reachable:
            return Route(node, reachable, unreachable)
    return Route(path[0] if path else start, [], unreachable)


async def parent_with_staff(session: AsyncSession, node: Node) -> Node | None:
    """The nearest ancestor of `node` that has any staff at all (the next level to escalate to)."""
    path = await ancestors_and_self(session, node)
    for ancestor in reversed(path[:-1]):
        if await staff_at(session, ancestor):
            return ancestor
    return None


async def alert_levels(
    session: AsyncSession, node: Node, levels: tuple[Level, ...]
) -> list[Person]:
    """Reachable staff on the ancestors of `node` whose level is in `levels` (missing persons)."""
    people: dict[int, Person] = {}
    for ancestor in await ancestors_and_self(session, node):
        if ancestor.level in levels:
            for person in await staff_at(session, ancestor):
                if person.private_chat and person.id is not None:
                    people[person.id] = person
    return list(people.values())
