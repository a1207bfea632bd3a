"""网格: one node with its groups and staff, and a page of its children, each with groups,
staff (and whether the bot can reach them), open tickets, 办结率, 满意率 and the headcount.

One grouped query per figure for the whole page of children, never one per child. Rates are
the /stats figures of the period, read only as far as the cards show them
(stats.node_figures: the daily totals of the node and its page of children, the headcount per
part in SQL); open tickets are the daily totals' status columns summed over the whole history
(every ticket in its state now).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.vocabulary import OPEN_STATUSES
from models.access import Actor
from models.groups import Group
from models.people import Person, Role, RoleKind
from models.tickets import Ticket
from models.totals_write import counted_zone
from models.tree import Node
from models.tree_service import ancestors_and_self
from stats.figures import part_keys
from stats.headcount import part_headcounts
from stats.model import Figures
from stats.node_figures import counted_figures, open_now
from stats.period import Period
from stats.rolled import part_figures
from stats.sql import dialect_of
from stats.totals import totals_usable
from tickets.routing import reachable

CHILDREN_PAGE = 50


@dataclass
class StaffLine:
    person: Person
    kind: RoleKind
    reachable: bool  # opened the private chat and no 403 since (tickets.routing.reachable)


@dataclass
class NodeCard:
    node: Node
    groups: list[Group] = field(default_factory=list)  # bound here, active or not
    staff: list[StaffLine] = field(default_factory=list)  # roles held on this very node
    figures: Figures = field(default_factory=Figures)  # the period's /stats counts, headcount
    open_tickets: int = 0  # open now, whenever opened


@dataclass
class NodeBrowse:
    card: NodeCard  # the node itself (its figures: the whole subtree)
    crumbs: list[Node]  # from the actor's top node covering it down to the node
    children: list[NodeCard]  # one page, in code order
    children_total: int
    offset: int
    period: Period


async def browse(
    session: AsyncSession,
    actor: Actor,
    node: Node,
    period: Period,
    *,
    offset: int = 0,
    limit: int = CHILDREN_PAGE,
) -> NodeBrowse:
    """The node and one page of its children (Refused("scope") outside the actor's subtrees)."""
    actor.require_node(node, code=node.code)
    assert node.id is not None
    children = await _children_page(session, node, offset, limit)
    total = await session.execute(
        select(func.count()).select_from(Node).where(col(Node.parent_id) == node.id)
    )
    cards: dict[int | None, NodeCard] = {n.id: NodeCard(n) for n in [node, *children]}
    await _groups(session, cards)
    await _staff(session, cards)
    await _rates(session, node, period, cards)
    await _open_tickets(session, node, cards)
    return NodeBrowse(
        cards[node.id],
        await crumbs(session, actor, node),
        [cards[c.id] for c in children if c.id is not None],
        int(total.scalar_one()),
        offset,
        period,
    )


async def crumbs(session: AsyncSession, actor: Actor, node: Node) -> list[Node]:
    """The path from the highest node the actor holds a role on above `node`, down to it."""
    path = await ancestors_and_self(session, node)
    held = {n.id for n in actor.nodes()}
    for index, step in enumerate(path):
        if step.id in held:
            return path[index:]
    return path[-1:]


async def _children_page(session: AsyncSession, node: Node, offset: int, limit: int) -> list[Node]:
    result = await session.execute(
        select(Node)
        .where(col(Node.parent_id) == node.id)
        .order_by(col(Node.code))
        .offset(offset)
        .limit(limit)
    )
    return list(result.scalars())


async def _groups(session: AsyncSession, cards: dict[int | None, NodeCard]) -> None:
    result = await session.execute(
        select(Group).where(col(Group.node_id).in_(list(cards))).order_by(col(Group.id))
    )
    for group in result.scalars():
        cards[group.node_id].groups.append(group)


async def _staff(session: AsyncSession, cards: dict[int | None, NodeCard]) -> None:
    result = await session.execute(
        select(Role, Person)
        .join(Person, col(Person.id) == Role.person_id)
        .where(col(Role.node_id).in_(list(cards)), col(Role.kind) != RoleKind.resident)
        .order_by(col(Role.kind), col(Person.name), col(Person.id))
    )
    for role, person in result.all():
        cards[role.node_id].staff.append(StaffLine(person, role.kind, reachable(person)))


async def _rates(
    session: AsyncSession, node: Node, period: Period, cards: dict[int | None, NodeCard]
) -> None:
    """The period's /stats counts of the node and its page of children, and the latest
    headcount, as /stats adds it (stats.node_figures reads only what the cards show)."""
    children = [i for i in cards if i is not None and i != node.id]
    if await totals_usable(session, period):
        by_part, total = await counted_figures(session, node, children, period)
    else:  # the totals are not counted in the period's zone: from the rows, as /stats does
        by_part, total = await part_figures(session, node, period, recount=True)
    headcounts = await part_headcounts(session, node)
    total.headcount = headcounts.total if headcounts else None
    for child in children:
        cards[child].figures = by_part.get(child, Figures())
        cards[child].figures.headcount = headcounts.parts.get(child) if headcounts else None
    cards[node.id].figures = total


async def _open_tickets(
    session: AsyncSession, node: Node, cards: dict[int | None, NodeCard]
) -> None:
    """Open now: the totals summed over every day (the same in any zone); before the totals'
    first rebuild, counted from the tickets by part as /stats would."""
    if await counted_zone(session) is None:
        await _open_recounted(session, node, cards)
        return
    for node_id, count in (await open_now(session, [i for i in cards if i is not None])).items():
        cards[node_id].open_tickets = count


async def _open_recounted(
    session: AsyncSession, node: Node, cards: dict[int | None, NodeCard]
) -> None:
    keys = part_keys(node, dialect_of(session))
    result = await session.execute(
        select(keys.c.key, func.count())
        .select_from(Ticket)
        .join(keys, keys.c.node_id == Ticket.node_id)
        .where(col(Ticket.status).in_(list(OPEN_STATUSES)))
        .group_by(keys.c.key)
    )
    for key, count in result.all():
        card = cards.get(key)
        if card is not None:
            card.open_tickets = count
        cards[node.id].open_tickets += count
