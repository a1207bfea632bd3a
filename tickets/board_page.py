"""One page of the ticket board: its rows as people read them, and how many tickets match."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from classify.extract import mask_phones
from core.text import cut
from core.vocabulary import Category, Priority, TicketStatus
from models.tickets import Ticket
from models.tree import Node
from models.tree_service import node_by_code
from tickets.board import BadFilter, BadValue, BoardFilter, Problem
from tickets.board_sql import count_matching, matching, page_ids
from tickets.escalation import deadline_of, overdue

EXCERPT = 60  # characters of a ticket's text in the table


@dataclass(frozen=True)
class BoardRow:
    id: int
    created_at: datetime
    status: TicketStatus
    category: Category
    priority: Priority
    handling_name: str
    handling_code: str
    grid_name: str
    grid_code: str
    deadline: datetime | None
    overdue: bool
    excerpt: str  # phones masked, cut to EXCERPT with "…"


@dataclass(frozen=True)
class BoardPage:
    filter: BoardFilter
    rows: list[BoardRow]
    total: int
    exact: bool  # False: at least `total` match (the page says 超过)

    @property
    def pages(self) -> int:
        """Pages of the exactly counted list (with an inexact count: those counted so far)."""
        return max(-(-self.total // self.filter.page_size), 1)

    @property
    def has_next(self) -> bool:
        return self.filter.page < self.pages or (not self.exact and bool(self.rows))


async def filter_node(session: AsyncSession, f: BoardFilter) -> Node:
    """The node whose subtree the filter shows: its `node` if inside the scope, else the scope."""
    scope = await session.get(Node, f.scope_id)
    if scope is None:
        raise BadFilter([BadValue("scope", str(f.scope_id), Problem.unknown)])
    if f.node is None:
        return scope
    node = await node_by_code(session, f.node)
    if node is None or not node.lineage.startswith(scope.lineage):
        raise BadFilter([BadValue("node", f.node, Problem.unknown)])
    return node


async def board_page(session: AsyncSession, f: BoardFilter, now: datetime) -> BoardPage:
    """The filter's page of tickets and the number of matches (BadFilter for an unknown node
    or one outside the scope, worded like any other bad value)."""
    node = await filter_node(session, f)
    where = matching(f, node, now)
    count = await count_matching(session, where, f, node)
    ids = await page_ids(session, where, f, count)
    return BoardPage(f, await board_rows(session, ids, now), count.value, count.exact)


async def board_rows(session: AsyncSession, ids: list[int], now: datetime) -> list[BoardRow]:
    """The rows of these tickets, in the order given."""
    if not ids:
        return []
    grid, handling = aliased(Node), aliased(Node)
    query = (
        select(
            Ticket,
            col(grid.name),
            col(grid.code),
            col(handling.name),
            col(handling.code),
            deadline_of().label("deadline"),
            overdue(now).label("overdue"),
        )
        .join(grid, col(grid.id) == Ticket.node_id)
        .join(handling, col(handling.id) == Ticket.handling_node_id)
        .where(col(Ticket.id).in_(ids))
    )
    found = {}
    for t, grid_name, grid_code, handling_name, handling_code, deadline, late in (
        await session.execute(query)
    ).all():
        assert t.id is not None
        found[t.id] = BoardRow(
            id=t.id,
            created_at=t.created_at,
            status=t.status,
            category=t.category,
            priority=t.priority,
            handling_name=handling_name,
            handling_code=handling_code,
            grid_name=grid_name,
            grid_code=grid_code,
            deadline=deadline,
            overdue=bool(late),
            excerpt=cut(mask_phones(t.text), EXCERPT),
        )
    return [found[i] for i in ids if i in found]
