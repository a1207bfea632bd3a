"""总览: the /stats report of a node and period, its pressing open tickets, its weakest children.

The report is `stats.breakdown.build_report` itself (the figures, the per-child parts, the
latest headcount in `report.total.headcount`, the chart's data with `daily=True`), so the
console shows exactly what /stats shows. Pressing tickets are read now, whatever the period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import ColumnElement, and_, bindparam, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import BindParameter
from sqlmodel import col

from core.vocabulary import Priority
from models.access import Actor
from models.tickets import OPEN_TICKET_STATUSES, Ticket
from models.tree import Node
from stats.breakdown import build_report
from stats.model import Part, Report
from stats.period import Period
from tickets.escalation import overdue

PRESSING_SHOWN = 10
WEAKEST_SHOWN = 5
# A child is ranked among the weakest only with this many tickets (办结率) or ratings (满意率)
# in the period: two tickets and one open are not "50 %" worth chasing.
MIN_VOLUME = 10

Measure = Literal["resolved", "satisfied"]


@dataclass
class PressingTicket:
    ticket: Ticket
    overdue: bool
    urgent: bool


@dataclass
class Overview:
    report: Report  # the /stats report: figures, parts, headcount, per-day counts for the chart
    pressing: list[PressingTicket]  # open, overdue first, then urgent; oldest first
    pressing_total: int  # all such tickets, of which `pressing` are the first
    weakest_resolved: list[Part]  # lowest 办结率 first, children with >= min_volume tickets
    weakest_satisfied: list[Part]  # lowest 满意率 first, children with >= min_volume ratings
    min_volume: int


async def overview(
    session: AsyncSession,
    actor: Actor,
    node: Node,
    period: Period,
    now: datetime,
    *,
    shown: int = PRESSING_SHOWN,
    min_volume: int = MIN_VOLUME,
) -> Overview:
    """The 总览 of `node` (Refused("scope") outside the actor's subtrees)."""
    actor.require_node(node, code=node.code)
    report = await build_report(session, node, period, daily=True)
    pressing, total = await pressing_tickets(session, node, now, shown)
    return Overview(
        report,
        pressing,
        total,
        weakest(report.parts, "resolved", min_volume),
        weakest(report.parts, "satisfied", min_volume),
        min_volume,
    )


def weakest(
    parts: list[Part], measure: Measure, min_volume: int = MIN_VOLUME, shown: int = WEAKEST_SHOWN
) -> list[Part]:
    """Children (not the node's own level) with enough volume, lowest share first."""

    def volume_and_share(part: Part) -> tuple[int, float | None]:
        f = part.figures
        if measure == "resolved":
            return f.tickets, f.resolved_share
        return f.rated, f.satisfied_share

    ranked = [
        (share, part.node.code, part)
        for part in parts
        if not part.own_level
        for volume, share in [volume_and_share(part)]
        if volume >= min_volume and share is not None
    ]
    return [part for _share, _code, part in sorted(ranked, key=lambda r: (r[0], r[1]))][:shown]


def scope_tickets(node: Node) -> ColumnElement[bool]:
    """Tickets reported in the subtree or handled there now (as `tickets_visible_to`)."""
    inside = select(col(Node.id)).where(col(Node.lineage).startswith(node.lineage))
    return or_(col(Ticket.node_id).in_(inside), col(Ticket.handling_node_id).in_(inside))


def open_ticket() -> ColumnElement[bool]:
    """Open, as the open-ticket index's predicate: values inlined, so that the planner proves
    the partial index applies (a bound parameter of a generic plan would hide them)."""
    statuses: BindParameter[list[str]] = bindparam(
        "open", list(OPEN_TICKET_STATUSES), expanding=True, literal_execute=True
    )
    return col(Ticket.status).in_(statuses)


async def pressing_tickets(
    session: AsyncSession, node: Node, now: datetime, shown: int = PRESSING_SHOWN
) -> tuple[list[PressingTicket], int]:
    """Open tickets of the subtree that are overdue (the sweep's rule) or urgent: the first
    `shown`, overdue before urgent, oldest first; and how many there are in all.

    Counted, then listed in three runs (overdue and urgent, overdue, urgent), each walking the
    open-ticket index oldest first until it has enough: ordering all of them by a computed
    rank would sort every open ticket (a quarter of a million in bench/console.py)."""
    late = overdue(now)
    urgent = col(Ticket.priority) == Priority.URGENT
    where = [open_ticket(), scope_tickets(node)]
    counted = select(func.count()).select_from(Ticket).where(*where, or_(late, urgent))
    total = (await session.execute(counted)).scalar_one()
    not_late = case((late, False), else_=True)  # a NULL deadline is not overdue
    runs = ((and_(late, urgent), True, True), (and_(late, ~urgent), True, False))
    found: list[PressingTicket] = []
    for condition, is_late, is_urgent in (*runs, (and_(not_late, urgent), False, True)):
        if len(found) >= shown:
            break
        result = await session.execute(
            select(Ticket)
            .where(*where, condition)
            .order_by(col(Ticket.created_at), col(Ticket.id))
            .limit(shown - len(found))
        )
        found += [PressingTicket(t, is_late, is_urgent) for t in result.scalars()]
    return found, int(total)
