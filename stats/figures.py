"""Every figure from the stored rows, as grouped SQL aggregates over a subtree and a period.

Each query groups by the *part* a row belongs to: the child of the scope node whose subtree holds
the row's node (or the scope node itself). Counts for the whole scope are the parts' sums, so the
total and the breakdown always agree; quantiles are computed for the scope and per part.
Tickets count when opened in the period (in their state now); escalations, ratings and timings
are those of the same tickets; broadcasts when created in the period.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Integer, Select, Subquery, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from core.vocabulary import Category, ReviewStatus
from models.reviews import Review
from models.tickets import EventKind, Ticket, TicketEvent
from models.tree import Node
from models.work import WorkLog
from stats.model import Figures
from stats.period import Period, in_period
from stats.reach import broadcast_figures
from stats.sql import dialect_of, quantiles, seconds_between

PartFigures = dict[int, Figures]


def part_keys(root: Node, dialect: str) -> Subquery:
    """(node_id, key): every node of the subtree with the id of the part it belongs to.

    The key is read off the node's lineage ('/1/7/42/' under root '/1/' → 7), so the planner
    sees one row per subtree node and joins the large tables by hash."""
    rest = func.substr(Node.lineage, len(root.lineage) + 1)
    if dialect == "postgresql":
        head = func.split_part(rest, "/", 1)
    else:
        head = func.substr(rest, 1, func.instr(rest, "/") - 1)
    key = func.coalesce(cast(func.nullif(head, ""), Integer), root.id)
    return (
        select(col(Node.id).label("node_id"), key.label("key"))
        .where(col(Node.lineage).startswith(root.lineage))
        .subquery("part_keys")
    )


def tickets_in(keys: Subquery, period: Period) -> Select[tuple[int]]:
    """The scope's tickets opened in the period, with their part key (the base of most queries)."""
    return (
        select(keys.c.key)
        .select_from(Ticket)
        .join(keys, keys.c.node_id == Ticket.node_id)
        .where(*in_period(col(Ticket.created_at), period))
    )


async def recount_part_figures(
    session: AsyncSession, root: Node, period: Period
) -> tuple[PartFigures, Figures]:
    """Figures per part (parts without any row are absent) and for the whole scope, counted
    from the rows themselves: exact, and slow for long periods (stats.rolled reads the daily
    totals instead)."""
    keys = part_keys(root, dialect_of(session))
    parts: PartFigures = defaultdict(Figures)
    await _tickets(session, keys, period, parts)
    await _escalations(session, keys, period, parts)
    await broadcast_figures(session, keys, period, parts)
    await _work_logs(session, keys, period, parts)
    await reviews(session, keys, period, parts)
    total = Figures()
    for figures in parts.values():
        total.add_counts(figures)
    await exact_timings(session, keys, period, parts, total)
    return parts, total


async def _tickets(
    session: AsyncSession, keys: Subquery, period: Period, parts: PartFigures
) -> None:
    query = (
        tickets_in(keys, period)
        .add_columns(col(Ticket.category), col(Ticket.status), col(Ticket.rating), func.count())
        .group_by(keys.c.key, col(Ticket.category), col(Ticket.status), col(Ticket.rating))
    )
    for key, category, status, rating, count in (await session.execute(query)).all():
        figures = parts[key]
        figures.by_category[Category(category)] += count
        figures.by_status[status] += count
        if rating is not None:
            figures.by_rating[rating] += count


async def _escalations(
    session: AsyncSession, keys: Subquery, period: Period, parts: PartFigures
) -> None:
    """Escalations of the period's tickets, by the level of the node each one reached."""
    reached = aliased(Node)
    query = (
        tickets_in(keys, period)
        .add_columns(col(reached.level), func.count())
        .join(TicketEvent, col(TicketEvent.ticket_id) == Ticket.id)
        .join(reached, col(reached.id) == TicketEvent.node_id)
        # only escalation raises escalation_level, so this skips most tickets' events unread
        .where(col(Ticket.escalation_level) > 0, col(TicketEvent.kind) == EventKind.escalated)
        .group_by(keys.c.key, col(reached.level))
    )
    for key, level, count in (await session.execute(query)).all():
        parts[key].escalations[level] += count


async def _work_logs(
    session: AsyncSession, keys: Subquery, period: Period, parts: PartFigures
) -> None:
    query = (
        select(keys.c.key, col(WorkLog.kind), func.count())
        .select_from(WorkLog)
        .join(keys, keys.c.node_id == WorkLog.node_id)
        .where(*in_period(col(WorkLog.created_at), period))
        .group_by(keys.c.key, col(WorkLog.kind))
    )
    for key, kind, count in (await session.execute(query)).all():
        parts[key].work_logs[kind] += count


async def reviews(
    session: AsyncSession, keys: Subquery, period: Period, parts: PartFigures
) -> None:
    """可能需要关注 written in the period, by status now, and how many climbed unanswered."""
    escalated = col(Review.escalation_level) > 0
    query = (
        select(keys.c.key, col(Review.status), escalated, func.count())
        .select_from(Review)
        .join(keys, keys.c.node_id == Review.node_id)
        .where(*in_period(col(Review.created_at), period))
        .group_by(keys.c.key, col(Review.status), escalated)
    )
    for key, status, went_up, count in (await session.execute(query)).all():
        parts[key].reviews[ReviewStatus(status)] += count
        if went_up:
            parts[key].reviews_escalated += count


async def exact_timings(
    session: AsyncSession, keys: Subquery, period: Period, parts: PartFigures, total: Figures
) -> None:
    """Median and 90th percentile of the time to claim and to resolve, in seconds, per part and
    for the whole scope."""
    dialect = dialect_of(session)
    values = (
        tickets_in(keys, period)
        .with_only_columns(
            keys.c.key.label("key"),
            seconds_between(col(Ticket.claimed_at), col(Ticket.created_at), dialect).label(
                "claim"
            ),
            seconds_between(col(Ticket.resolved_at), col(Ticket.created_at), dialect).label(
                "resolve"
            ),
        )
        .subquery()
    )
    for key, found in (await quantiles(session, values, ("claim", "resolve"))).items():
        figures = total if key is None else parts.get(int(key))  # type: ignore[call-overload]
        if figures is None:
            continue
        figures.claim_p50, figures.claim_p90 = found.get("claim", (None, None))
        figures.resolve_p50, figures.resolve_p90 = found.get("resolve", (None, None))
