"""网格 lists an office chases every morning, and the node search: paged, inside a scope.

- unbound grids: counting grids (no grid below them, work.scope's rule) without an active group;
- unreachable staff: roles held in the subtree by people the bot cannot write to privately
  (never opened the chat, or a 403 since: `Person.private_chat` False, tickets.routing.reachable);
- search: by code (any case) or by name, anywhere in the subtree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import ColumnElement, Select, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from models.access import Actor
from models.groups import Group
from models.people import Person, Role, RoleKind
from models.tree import Node, lineage_ids
from models.tree_service import path_text
from work.scope import GRID_LEVELS

PAGE = 50
T = TypeVar("T")


@dataclass
class Page(Generic[T]):
    items: list[T]
    total: int  # every match, of which `items` start at `offset`
    offset: int


@dataclass
class NodeHit:
    node: Node
    path: str  # root › … › node, names


@dataclass
class UnreachableStaff:
    person: Person
    kind: RoleKind
    node: Node  # where the role is held


def under(node: Node, column: object = Node.lineage) -> ColumnElement[bool]:
    return col(column).startswith(node.lineage)  # type: ignore[arg-type]


async def unbound_grids(
    session: AsyncSession, actor: Actor, node: Node, *, offset: int = 0, limit: int = PAGE
) -> Page[Node]:
    """Counting grids under `node` with no active group bound, in tree (code) order."""
    actor.require_node(node, code=node.code)
    below = aliased(Node)
    has_grid_below = exists().where(
        col(below.parent_id) == Node.id, col(below.level).in_(list(GRID_LEVELS))
    )
    has_group = exists().where(col(Group.node_id) == Node.id, col(Group.active))
    query = select(Node).where(
        under(node), col(Node.level).in_(list(GRID_LEVELS)), ~has_grid_below, ~has_group
    )
    return await _page(session, query.order_by(col(Node.code)), offset, limit)


async def unreachable_staff(
    session: AsyncSession, actor: Actor, node: Node, *, offset: int = 0, limit: int = PAGE
) -> Page[UnreachableStaff]:
    """Staff roles held on `node` or below by people the bot cannot reach privately; grid
    workers first, then by node code."""
    actor.require_node(node, code=node.code)
    unreachable = or_(~col(Person.private_chat), col(Person.telegram_user_id).is_(None))
    workers_first = col(Role.kind) != RoleKind.grid_worker
    query = (
        select(Person, Role, Node)
        .join(Role, col(Role.person_id) == Person.id)
        .join(Node, col(Node.id) == Role.node_id)
        .where(under(node), col(Role.kind) != RoleKind.resident, unreachable)
        .order_by(workers_first, col(Node.code), col(Person.name), col(Role.id))
    )
    page = await _page(session, query, offset, limit)
    items = [UnreachableStaff(p, r.kind, n) for p, r, n in page.items]
    return Page(items, page.total, offset)


async def search_nodes(
    session: AsyncSession,
    actor: Actor,
    scope: Node,
    text: str,
    *,
    offset: int = 0,
    limit: int = PAGE,
) -> Page[NodeHit]:
    """Nodes of `scope`'s subtree whose code contains `text` in any case, or whose name
    contains it; exact code matches first, then by code."""
    actor.require_node(scope, code=scope.code)
    word = text.strip()
    if not word:
        return Page([], 0, offset)
    folded = word.lower()
    matches = or_(
        func.lower(col(Node.code)).contains(folded, autoescape=True),
        col(Node.name).contains(word, autoescape=True),
    )
    exact_first = func.lower(col(Node.code)) != folded
    query = select(Node).where(under(scope), matches).order_by(exact_first, col(Node.code))
    page = await _page(session, query, offset, limit)
    paths = await _paths(session, page.items)
    return Page([NodeHit(n, paths[n.id]) for n in page.items], page.total, offset)


async def _paths(session: AsyncSession, nodes: list[Node]) -> dict[int | None, str]:
    """Each node's path, reading every ancestor once."""
    ids = {i for n in nodes for i in lineage_ids(n.lineage)}
    result = await session.execute(select(Node).where(col(Node.id).in_(ids)))
    by_id = {n.id: n for n in result.scalars()}
    return {
        n.id: path_text([by_id[i] for i in lineage_ids(n.lineage) if i in by_id]) for n in nodes
    }


async def _page(session: AsyncSession, query: Select, offset: int, limit: int) -> Page:  # type: ignore[type-arg]
    count = select(func.count()).select_from(query.order_by(None).subquery())
    total = int((await session.execute(count)).scalar_one())
    rows = await session.execute(query.offset(offset).limit(limit))
    single = len(query.column_descriptions) == 1
    items = list(rows.scalars()) if single else [tuple(r) for r in rows.all()]
    return Page(items, total, offset)
