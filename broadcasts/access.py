"""Where a broadcast (or poll) may go: admins and officials pick any node of their own subtree,
level by level from the nodes they hold a role on, or by its code (the rule is models/access.py:
ADMINS covering the node)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, func, select

from models.access import ADMINS, Actor, Refused
from models.groups import Group
from models.tree import Node
from models.tree_service import ancestors_and_self, node_by_code, path_text

PAGE_SIZE = 20  # children shown per page of the picker


@dataclass(frozen=True)
class Choice:
    """A node offered in the picker; `opens` when it has children to drill down to."""

    node_id: int
    name: str
    code: str
    opens: bool


@dataclass(frozen=True)
class Level:
    """One screen of the picker: a node and (a page of) its children, or, for an actor with
    several nodes, those nodes (`node` None)."""

    node: Node | None
    path: str
    choices: list[Choice]
    back: int | None  # the node id of the screen above (0: the actor's own nodes); None: top
    page: int
    pages: int


async def target_level(session: AsyncSession, actor: Actor, node_id: int, page: int = 0) -> Level:
    """The picker's screen for `node_id` (0: where the actor starts), if the actor may broadcast
    there; Refused("role") if they may broadcast nowhere, Refused("scope") outside their
    subtree."""
    tops = actor.nodes(ADMINS)
    if not tops:
        raise Refused("role")
    if node_id == 0 and len(tops) > 1:
        choices = await _choices(session, tops)
        return Level(None, "", choices, None, 0, 1)
    if node_id == 0:
        node = tops[0]
    else:
        node = actor.require_node(await session.get(Node, node_id), ADMINS)
    children = list(
        await session.scalars(select(Node).where(Node.parent_id == node.id).order_by(Node.code))
    )
    pages = max(1, -(-len(children) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    shown = await _choices(session, children[page * PAGE_SIZE : (page + 1) * PAGE_SIZE])
    path = path_text(await ancestors_and_self(session, node))
    return Level(node, path, shown, _back(node, tops), page, pages)


def _back(node: Node, tops: list[Node]) -> int | None:
    if any(top.id == node.id for top in tops):
        return 0 if len(tops) > 1 else None
    return node.parent_id  # below a top node: its parent is in the actor's subtree too


async def _choices(session: AsyncSession, nodes: list[Node]) -> list[Choice]:
    ids = [n.id for n in nodes if n.id is not None]
    parents = set(
        await session.scalars(
            select(col(Node.parent_id)).where(col(Node.parent_id).in_(ids)).distinct()
        )
    )
    return [Choice(n.id, n.name, n.code, n.id in parents) for n in nodes if n.id is not None]


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


async def picked_target(session: AsyncSession, actor: Actor, node_id: int) -> Target:
    """The picked node, if it exists and the actor may (still) broadcast there; else
    Refused("scope") (with the code when one was typed)."""
    return await _target(session, actor.require_node(await session.get(Node, node_id), ADMINS))


async def typed_target(session: AsyncSession, actor: Actor, code: str) -> Target | None:
    """The node whose code was typed (in any case), if the actor may broadcast there; None when
    no node has that code; Refused("scope") outside the actor's subtree."""
    node = await node_by_code(session, code)
    if node is None:
        return None
    return await _target(session, actor.require_node(node, ADMINS))


async def _target(session: AsyncSession, node: Node) -> Target:
    active, _inactive = await target_counts(session, node)
    return Target(node, path_text(await ancestors_and_self(session, node)), active)
