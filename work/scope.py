"""Where a staff member works: the nodes of their roles, and the grids under a node."""

from __future__ import annotations

import enum
from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from models.people import Person, Role, RoleKind
from models.tree import Level, Node
from models.tree_service import covering_roles, node_by_code

GRID_LEVELS = frozenset({Level.grid, Level.micro_grid})
OPENERS = frozenset({RoleKind.community_admin, RoleKind.town_admin, RoleKind.district_official})
STAFF = frozenset(kind for kind in RoleKind if kind.is_staff)


class Audience(enum.StrEnum):
    """Whose commands /help shows: the highest role the person holds anywhere."""

    resident = "resident"
    worker = "worker"
    admin = "admin"
    official = "official"


async def roles_of(session: AsyncSession, person: Person | None) -> list[Role]:
    if person is None:
        return []
    result = await session.execute(select(Role).where(Role.person_id == person.id))
    return list(result.scalars())


def audience_of(roles: Iterable[Role]) -> Audience:
    kinds = {role.kind for role in roles}
    if RoleKind.district_official in kinds:
        return Audience.official
    if kinds & {RoleKind.town_admin, RoleKind.community_admin}:
        return Audience.admin
    if RoleKind.grid_worker in kinds:
        return Audience.worker
    return Audience.resident


async def role_nodes(
    session: AsyncSession, person: Person, kinds: Iterable[RoleKind] = STAFF
) -> list[Node]:
    """Nodes where the person holds one of `kinds`, top of the tree first."""
    result = await session.execute(
        select(Node)
        .join(Role, col(Role.node_id) == Node.id)
        .where(Role.person_id == person.id, col(Role.kind).in_(list(kinds)))
        .order_by(col(Node.lineage))
    )
    return list({node.id: node for node in result.scalars()}.values())


async def covers(
    session: AsyncSession, person: Person, node: Node, kinds: Iterable[RoleKind] = STAFF
) -> bool:
    """A role of `kinds` held on `node` or above it."""
    wanted = set(kinds)
    return any(role.kind in wanted for role in await covering_roles(session, person, node))


async def node_in_scope(
    session: AsyncSession, person: Person, code: str, kinds: Iterable[RoleKind] = STAFF
) -> Node | None:
    """The node with `code` when one of the person's roles covers it, else None."""
    node = await node_by_code(session, code)
    if node is None or not await covers(session, person, node, kinds):
        return None
    return node


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
