"""The ticket board's SQL: which tickets match a filter, one page of their ids in the filter's
order, and how many there are, fast enough for a million tickets (migration 0012's indexes).

A page is read as "segments": each sort is one or more runs of tickets, each run in an order
an index serves (newest: created_at; priority: urgent, then high, then normal, each newest
first; deadline: open tickets by deadline, then the rest newest first). Each run gives at most
offset + size ids, numbered in its order; the page is taken from their union. A page beyond
the middle of an exactly counted list is read from the other end, so the last page is as fast
as the first.

The count comes from the daily totals (models/totals.py) when they can answer exactly (scope,
status or category, whole district days); otherwise matches are counted up to COUNT_CAP, and
beyond it the board says "more than" instead of a number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, bindparam, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import BindParameter
from sqlmodel import col

from core.timezone import zone_key
from core.vocabulary import OPEN_STATUSES, Priority, TicketStatus
from models.tickets import Ticket
from models.totals import CATEGORY, STATUS, column_name, daily_total
from models.totals_write import counted_zone
from models.tree import Node
from tickets.board import BoardFilter, Sort
from tickets.escalation import deadline_of, overdue
from tickets.text_search import text_search

COUNT_CAP = 10_000
PRIORITY_ORDER = (Priority.URGENT, Priority.HIGH, Priority.NORMAL)
_DEADLINE = deadline_of()


@dataclass(frozen=True)
class Count:
    value: int
    exact: bool  # False: at least `value` (COUNT_CAP) tickets match


@dataclass(frozen=True)
class Segment:
    where: ColumnElement[bool] | None
    keys: tuple[tuple[Any, bool], ...]  # (expression, descending)


def matching(f: BoardFilter, node: Node, now: datetime) -> list[ColumnElement[bool]]:
    """The WHERE of the filter; `node` is the filter's node (else its scope), resolved."""
    # Inline, as the search patterns are: with it bound, PostgreSQL switches to a generic plan
    # after five runs that cannot see how much of the district the node covers (走: 70 ms → 5 s).
    lineage: BindParameter[str] = bindparam("lineage", node.lineage, literal_execute=True)
    subtree = select(col(Node.id)).where(col(Node.lineage).startswith(lineage))
    where: list[ColumnElement[bool]] = [col(Ticket.node_id).in_(subtree)]
    if f.statuses:
        where.append(col(Ticket.status).in_(f.statuses))
    if f.category:
        where.append(col(Ticket.category) == f.category)
    if f.priority:
        where.append(col(Ticket.priority) == f.priority)
    if f.since:
        where.append(col(Ticket.created_at) >= f.since)
    if f.until:
        where.append(col(Ticket.created_at) < f.until)
    if f.overdue:
        where.append(overdue(now))
    if f.text:
        where.append(text_search(f.text))
    return where


def segments(sort: Sort, open_ones: bool = True, closed_ones: bool = True) -> list[Segment]:
    """The runs of the sort; a run the filter leaves empty (`open_ones` False: it shows no
    open ticket, `closed_ones` False: none resolved or closed) is left out, not scanned."""
    newest = ((col(Ticket.created_at), True), (col(Ticket.id), True))
    if sort is Sort.oldest:
        return [Segment(None, ((col(Ticket.created_at), False), (col(Ticket.id), False)))]
    if sort is Sort.updated:
        return [Segment(None, ((col(Ticket.updated_at), True), (col(Ticket.id), True)))]
    if sort is Sort.priority:
        return [Segment(col(Ticket.priority) == p, newest) for p in PRIORITY_ORDER]
    if sort is Sort.deadline:
        is_open = col(Ticket.status).in_(OPEN_STATUSES)
        soonest = ((_DEADLINE, False), (col(Ticket.id), False))
        runs = [Segment(is_open, soonest)] if open_ones else []
        return runs + ([Segment(~is_open, newest)] if closed_ones else [])
    return [Segment(None, newest)]


def _ordered(keys: tuple[tuple[Any, bool], ...], reverse: bool) -> list[Any]:
    """Each key in its direction (the other way round when `reverse`). Columns keep the
    database's NULL placement, so that a B-tree index serves them in either direction (an
    explicit NULLS LAST on a DESC key would make PostgreSQL sort every row); the deadline, a
    computed key, puts its NULLs at the end."""
    out = []
    for expression, descending in keys:
        key = expression.desc() if descending != reverse else expression.asc()
        if expression is not _DEADLINE:
            out.append(key)
        else:
            out.append(key.nulls_first() if reverse else key.nulls_last())
    return out


async def page_ids(
    session: AsyncSession, where: list[ColumnElement[bool]], f: BoardFilter, count: Count
) -> list[int]:
    """The ids on the filter's page, in its order."""
    offset, size = f.offset, f.page_size
    reverse = count.exact and offset > count.value // 2
    if reverse:  # the same rows, counted from the end
        size = max(min(size, count.value - offset), 0)
        offset = max(count.value - f.offset - f.page_size, 0)
    if size == 0:
        return []
    shown = set(f.statuses or TicketStatus)
    parts = segments(
        f.sort, bool(shown & OPEN_STATUSES), bool(shown - OPEN_STATUSES) and not f.overdue
    )
    order = parts[::-1] if reverse else parts
    if not order:
        return []
    if len(order) == 1:
        query = select(col(Ticket.id)).where(*where).order_by(*_ordered(order[0].keys, reverse))
        ids = [i for i in (await session.execute(query.offset(offset).limit(size))).scalars() if i]
    else:
        runs = []
        for number, part in enumerate(order):
            keys = _ordered(part.keys, reverse)
            run = (
                select(
                    col(Ticket.id).label("id"),
                    literal(number).label("segment"),
                    func.row_number().over(order_by=keys).label("place"),
                )
                .where(*where, *([part.where] if part.where is not None else []))
                .order_by(*keys)
                .limit(offset + size)
                .subquery()
            )
            runs.append(select(run.c.id, run.c.segment, run.c.place))
        joined = union_all(*runs).subquery()
        query = select(joined.c.id).order_by(joined.c.segment, joined.c.place)
        ids = [i for i in (await session.execute(query.offset(offset).limit(size))).scalars() if i]
    return ids[::-1] if reverse else ids


async def count_matching(
    session: AsyncSession, where: list[ColumnElement[bool]], f: BoardFilter, node: Node
) -> Count:
    from_totals = await _count_from_totals(session, f, node)
    if from_totals is not None:
        return Count(from_totals, exact=True)
    capped = select(col(Ticket.id)).where(*where).limit(COUNT_CAP + 1).subquery()
    found = int(await session.scalar(select(func.count()).select_from(capped)) or 0)
    return Count(min(found, COUNT_CAP), exact=found <= COUNT_CAP)


async def _count_from_totals(session: AsyncSession, f: BoardFilter, node: Node) -> int | None:
    """The exact count summed from the daily totals, when they hold it; else None."""
    if f.priority or f.overdue or f.text or (f.statuses and f.category):
        return None
    zone = await counted_zone(session)
    if zone is None or zone.key != zone_key(f.zone):
        return None
    if f.category:
        names = [column_name(CATEGORY, f.category.value)]
    else:
        names = [column_name(STATUS, s.value) for s in f.statuses or tuple(TicketStatus)]
    total = sum((daily_total.c[name] for name in names[1:]), daily_total.c[names[0]])
    query = select(func.coalesce(func.sum(total), 0)).where(daily_total.c.node_id == node.id)
    if f.from_day:
        query = query.where(daily_total.c.day >= f.from_day)
    if f.to_day:
        query = query.where(daily_total.c.day < f.to_day + timedelta(days=1))
    return int(await session.scalar(query) or 0)
