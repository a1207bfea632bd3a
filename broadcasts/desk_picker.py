"""The 群发 desk's tree picker: the nodes an official may broadcast to, level by level with the
number of active groups each reaches, or by code; the rule is broadcasts/access.py's (ADMINS
covering the node), as in the chat's picker."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col, func, select

from core.vocabulary import Level
from models.access import ADMINS, Actor, Refused
from models.groups import Group
from models.tree import Node
from models.tree_service import node_by_code


@dataclass(frozen=True)
class PickerNode:
    """A node offered by the picker: `groups` active bound groups at or under it; `opens` when
    it has children."""

    node_id: int
    name: str
    code: str
    level: Level
    groups: int
    opens: bool


async def picker_children(
    session: AsyncSession, actor: Actor, node_id: int | None = None
) -> list[PickerNode]:
    """The children of `node_id` by code, or with None the nodes the actor broadcasts from;
    Refused("role") for someone who may broadcast nowhere, Refused("scope") outside."""
    if not actor.nodes(ADMINS):
        raise Refused("role")
    if node_id is None:
        return await picker_nodes(session, actor.nodes(ADMINS))
    parent = actor.require_node(await session.get(Node, node_id), ADMINS)
    children = await session.scalars(
        select(Node).where(Node.parent_id == parent.id).order_by(col(Node.code))
    )
    return await picker_nodes(session, list(children))


async def picker_node_by_code(session: AsyncSession, actor: Actor, code: str) -> PickerNode | None:
    """The node with `code` (in any case); None if no node has it; Refused("scope", code=…)
    when it lies outside the actor's subtree."""
    node = await node_by_code(session, code)
    if node is None:
        return None
    actor.require_node(node, ADMINS, code=node.code)
    (found,) = await picker_nodes(session, [node])
    return found


async def picker_nodes(session: AsyncSession, nodes: Sequence[Node]) -> list[PickerNode]:
    """The nodes as the picker shows them (two queries for any number of nodes)."""
    ids = [n.id for n in nodes if n.id is not None]
    parents = set(
        await session.scalars(
            select(col(Node.parent_id)).where(col(Node.parent_id).in_(ids)).distinct()
        )
    )
    counts = await _active_groups_under(session, ids)
    return [
        PickerNode(
            node_id=n.id,
            name=n.name,
            code=n.code,
            level=n.level,
            groups=counts.get(n.id, 0),
            opens=n.id in parents,
        )
        for n in nodes
        if n.id is not None
    ]


async def _active_groups_under(session: AsyncSession, ids: list[int]) -> dict[int, int]:
    """Node id → active groups bound to it or any node below it, in one query."""
    if not ids:
        return {}
    top, under = aliased(Node), aliased(Node)
    result = await session.execute(
        select(col(top.id), func.count(col(Group.id)))
        .select_from(top)
        .join(under, col(under.lineage).startswith(col(top.lineage)))
        .join(Group, col(Group.node_id) == col(under.id))
        .where(col(top.id).in_(ids), col(Group.active))
        .group_by(col(top.id))
    )
    return {int(node_id or 0): int(n) for node_id, n in result.all()}
