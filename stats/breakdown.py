"""The same figures by child node, worst first, and the whole report put together."""

from __future__ import annotations

from collections import Counter
from datetime import date
from itertools import pairwise

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.vocabulary import Category
from models.inbox import InboxStatus, InboxUpdate
from models.tickets import Ticket
from models.tree import Node
from models.tree_service import ancestors_and_self, path_text
from stats.figures import part_keys, tickets_in
from stats.headcount import part_headcounts
from stats.model import Figures, Part, Report
from stats.period import Period, in_period
from stats.rolled import part_figures
from stats.sql import dialect_of, whole_days_since
from stats.totals import categories_per_day, totals_usable

DAY_SECONDS = 86400


def worst_first(parts: list[Part]) -> list[Part]:
    """Lowest 办结率 first; among equals more open tickets, then slower resolution, first.
    Parts without tickets go last, in tree order."""

    def badness(part: Part) -> tuple[int, float, int, float, str]:
        f = part.figures
        share = f.resolved_share
        return (
            share is None,
            share if share is not None else 0.0,
            -f.open,
            -(f.resolve_p50 or 0.0),
            part.node.code,
        )

    return sorted(parts, key=badness)


async def children_of(session: AsyncSession, node: Node) -> list[Node]:
    result = await session.execute(
        select(Node).where(col(Node.parent_id) == node.id).order_by(col(Node.code))
    )
    return list(result.scalars())


async def build_report(
    session: AsyncSession,
    node: Node,
    period: Period,
    *,
    daily: bool = False,
    recount: bool = False,
) -> Report:
    """Figures for `node`'s subtree over `period`, the breakdown by child, and optionally the
    tickets per day by category (for the chart). `recount` reads the rows themselves instead
    of the daily totals (slow; for comparisons)."""
    assert node.id is not None
    by_part, total = await part_figures(session, node, period, recount=recount)
    children = await children_of(session, node)
    parts = [Part(child, by_part.get(child.id or 0, Figures())) for child in children]
    if node.id in by_part:
        parts.append(Part(node, by_part[node.id], own_level=True))
    await add_headcount(session, node, parts, total)
    path = path_text(await ancestors_and_self(session, node))
    per_day = await tickets_per_day(session, node, period, recount) if daily else None
    report = Report(node, path, period, total, worst_first(parts), per_day)
    if node.parent_id is None:  # the whole district: how the bot itself fared
        report.failed_updates = await failed_updates(session, period)
    return report


async def failed_updates(session: AsyncSession, period: Period) -> int:
    """Messages and presses received in the period that could not be handled (parked as
    failed after their retries); they stay in the inbox for the operator."""
    result = await session.execute(
        select(func.count())
        .select_from(InboxUpdate)
        .where(
            col(InboxUpdate.status) == InboxStatus.failed,
            *in_period(InboxUpdate.received_at, period),
        )
    )
    return int(result.scalar_one())


async def add_headcount(
    session: AsyncSession, node: Node, report_parts: list[Part], total: Figures
) -> None:
    """The newest headcount round covering `node`, summed for it and for each child, so the
    children add up to the total."""
    found = await part_headcounts(session, node)
    if found is None:
        return
    total.headcount = found.total
    for part in report_parts:
        if not part.own_level and part.node.id in found.parts:
            part.figures.headcount = found.parts[part.node.id]


async def tickets_per_day(
    session: AsyncSession, node: Node, period: Period, recount: bool = False
) -> dict[date, Counter[Category]]:
    """Tickets opened each local day of the period, by category."""
    if not recount and node.id is not None and await totals_usable(session, period):
        return await categories_per_day(session, node.id, period)
    bounds = period.day_starts()
    uniform = all((b - a).total_seconds() == DAY_SECONDS for a, b in pairwise(bounds))
    if uniform:
        day = whole_days_since(col(Ticket.created_at), period.start, dialect_of(session))
    else:  # a daylight-saving change inside the period: compare with each day's start
        day = case(
            *((col(Ticket.created_at) < bound, i) for i, bound in enumerate(bounds[1:])),
            else_=len(bounds) - 2,
        )
    opened = (
        tickets_in(part_keys(node, dialect_of(session)), period)
        .with_only_columns(day.label("day"), col(Ticket.category).label("category"))
        .subquery()
    )
    query = select(opened.c.day, opened.c.category, func.count()).group_by(
        opened.c.day, opened.c.category
    )
    days = period.days
    out: dict[date, Counter[Category]] = {d: Counter() for d in days}
    for index, category, count in (await session.execute(query)).all():
        out[days[min(int(index), len(days) - 1)]][Category(category)] += count
    return out
