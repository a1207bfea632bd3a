"""The ticket board's CSV: every ticket the filter matches (not only the page), in its order,
with the columns and headings of `gridbot export-tickets` (stats/export.py), streamed.

The rows are read with a server-side cursor in chunks of CHUNK and each chunk is sent as bytes
before the next is read, so a million tickets never sit in memory. Cells go through
core.csv_cells (a resident's `=HYPERLINK(...)` stays text); times are district time with the
zone named in the headings.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from core.csv_cells import safe_row
from core.vocabulary import OPEN_STATUSES
from models.people import Person
from models.tickets import Ticket
from stats.export import BOM, subtree_nodes, ticket_cells, ticket_header
from tickets.board import BoardFilter, Sort
from tickets.board_page import filter_node
from tickets.board_sql import PRIORITY_ORDER, matching
from tickets.escalation import deadline_of

CHUNK = 2000


def export_order(sort: Sort) -> list[Any]:
    """The board's order (tickets/board_sql.segments) as one ORDER BY for the whole list."""
    newest = [col(Ticket.created_at).desc(), col(Ticket.id).desc()]
    if sort is Sort.oldest:
        return [col(Ticket.created_at).asc(), col(Ticket.id).asc()]
    if sort is Sort.updated:
        return [col(Ticket.updated_at).desc().nulls_last(), col(Ticket.id).desc()]
    if sort is Sort.priority:
        rank = case(*((col(Ticket.priority) == p, i) for i, p in enumerate(PRIORITY_ORDER)))
        return [rank, *newest]
    if sort is Sort.deadline:
        is_open = col(Ticket.status).in_(OPEN_STATUSES)
        open_id = case((is_open, col(Ticket.id)), else_=None)
        soonest = [deadline_of().asc().nulls_last(), open_id.asc().nulls_last()]
        return [case((is_open, 0), else_=1), *soonest, *newest]
    return newest


def _lines(rows: Iterable[Iterable[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(safe_row(row) for row in rows)
    return out.getvalue().encode("utf-8")


async def board_csv(
    session: AsyncSession,
    f: BoardFilter,
    now: datetime,
    *,
    masked: bool = True,
    chunk: int = CHUNK,
) -> AsyncIterator[bytes]:
    """The file in pieces: the BOM and the heading first, then `chunk` tickets at a time.
    BadFilter (an unknown node) is raised before anything is yielded."""
    node = await filter_node(session, f)
    nodes = await subtree_nodes(session, node)
    assignee = aliased(Person)
    query = (
        select(Ticket, col(assignee.name))
        .outerjoin(assignee, col(assignee.id) == Ticket.assignee_person_id)
        .where(*matching(f, node, now))
        .order_by(*export_order(f.sort))
        .execution_options(yield_per=chunk)
    )
    yield (BOM.encode("utf-8") + _lines([ticket_header(f.zone)]))
    result = await session.stream(query)
    async for part in result.partitions(chunk):
        yield _lines(ticket_cells(t, worker, nodes, f.zone, masked) for t, worker in part)
