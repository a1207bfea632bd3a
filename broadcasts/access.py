"""Who may broadcast where: admins and officials, to their own subtree only."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, func, select

from models.groups import Group
from models.people import Role, RoleKind
from models.tree import Node
from models.tree_service import ancestors_and_self, covering_roles, path_text, person_by_telegram

BROADCASTERS = frozenset(
    {RoleKind.community_admin, RoleKind.town_admin, RoleKind.district_official}
)


async def broadcast_nodes(session: AsyncSession, user_id: int) -> list[Node]:
    """The nodes the user may pick: each node they broadcast for, then its children."""
    person = await person_by_telegram(session, user_id)
    if person is None:
        return []
    held = await session.execute(
        select(Node)
        .join(Role, col(Role.node_id) == Node.id)
        .where(Role.person_id == person.id, col(Role.kind).in_(list(BROADCASTERS)))
        .order_by(Node.lineage)
    )
    nodes: list[Node] = []
    for node in held.scalars().unique():
        children = await session.execute(
            select(Node).where(Node.parent_id == node.id).order_by(Node.code)
        )
        nodes.extend([node, *children.scalars()])
    return list({n.id: n for n in nodes}.values())


async def may_broadcast(session: AsyncSession, user_id: int, node: Node) -> bool:
    person = await person_by_telegram(session, user_id)
    if person is None:
        return False
    return any(r.kind in BROADCASTERS for r in await covering_roles(session, person, node))


async def target_counts(session: AsyncSession, node: Node) -> tuple[int, int]:
    """(active, inactive) bound groups under `node`: what a preview promises."""
    result = await session.execute(
        select(col(Group.active), func.count())
        .join(Node, col(Node.id) == Group.node_id)
        .where(col(Node.lineage).startswith(node.lineage))
        .group_by(col(Group.active))
    )
    counts = {bool(active): int(n) for active, n in result.all()}
    return counts.get(True, 0), counts.get(False, 0)


@dataclass(frozen=True)
class Target:
    """A node picked for a broadcast or poll: its path from the district and its active groups."""

    node: Node
    path: str
    active: int


async def target_choices(session: AsyncSession, user_id: int) -> list[tuple[int, str]]:
    """(node id, name) of every node the user may pick; empty if they may not broadcast."""
    return [(n.id, n.name) for n in await broadcast_nodes(session, user_id) if n.id is not None]


async def picked_target(session: AsyncSession, user_id: int, node_id: int) -> Target | None:
    """The picked node, if it exists and the user may (still) broadcast there."""
    node = await session.get(Node, node_id)
    if node is None or not await may_broadcast(session, user_id, node):
        return None
    active, _inactive = await target_counts(session, node)
    return Target(node, path_text(await ancestors_and_self(session, node)), active)
