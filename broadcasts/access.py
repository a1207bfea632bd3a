"""Where a broadcast may go: admins and officials pick a node of their own subtree (the rule is
models/access.py: ADMINS covering the node)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, func, select

from models.access import ADMINS, Actor
from models.groups import Group
from models.tree import Node
from models.tree_service import ancestors_and_self, path_text


async def broadcast_nodes(session: AsyncSession, actor: Actor) -> list[Node]:
    """The nodes the actor may pick: each node they broadcast for, then its children."""
    nodes: list[Node] = []
    for node in actor.nodes(ADMINS):
        children = await session.execute(
            select(Node).where(Node.parent_id == node.id).order_by(Node.code)
        )
        nodes.extend([node, *children.scalars()])
    return list({n.id: n for n in nodes}.values())


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


async def target_choices(session: AsyncSession, actor: Actor) -> list[tuple[int, str]]:
    """(node id, name) of every node the actor may pick; empty if they may not broadcast."""
    return [(n.id, n.name) for n in await broadcast_nodes(session, actor) if n.id is not None]


async def picked_target(session: AsyncSession, actor: Actor, node_id: int) -> Target:
    """The picked node, if it exists and the actor may (still) broadcast there; else
    Refused("scope")."""
    node = actor.require_node(await session.get(Node, node_id), ADMINS)
    active, _inactive = await target_counts(session, node)
    return Target(node, path_text(await ancestors_and_self(session, node)), active)
