"""The lines a /stats reply should show for one local day, recomputed in plain Python from the raw
rows, deliberately without the stats package: whole tables are read and counted here."""

from __future__ import annotations

from collections import Counter
from datetime import date, tzinfo
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from models.tickets import EventKind, Ticket, TicketEvent
from models.tree import Level, Node
from models.work import HeadcountAnswer, HeadcountRound, WorkKind, WorkLog


async def all_rows(session: AsyncSession, table: type[Any]) -> list[Any]:
    return list((await session.execute(select(table).order_by(col(table.id)))).scalars())


async def day_figures(session: AsyncSession, code: str, day: date, tz: tzinfo) -> list[str]:
    """Tickets by category, 办结率, work-log entries by kind and the latest headcount for the
    subtree of `code`, counting tickets and logs created on local `day`."""
    nodes = await all_rows(session, Node)
    (root,) = [node for node in nodes if node.code == code]
    inside = [node for node in nodes if node.lineage.startswith(root.lineage)]
    ids = {node.id for node in inside}

    def inside_that_day(row: Ticket | WorkLog) -> bool:
        return row.node_id in ids and row.created_at.astimezone(tz).date() == day

    tickets = [t for t in await all_rows(session, Ticket) if inside_that_day(t)]
    logs = [entry for entry in await all_rows(session, WorkLog) if inside_that_day(entry)]
    done = await resolved_by_events(session, {t.id for t in tickets})
    return [
        tickets_line(tickets),
        f"办结率 {percent(len(done), len(tickets))}（{len(done)}/{len(tickets)}）",
        work_log_line(logs),
        await headcount_line(session, root, inside),
    ]


def tickets_line(tickets: list[Ticket]) -> str:
    """Categories most first (the scenario avoids ties, whose order the reply leaves open)."""
    by_category = Counter(t.category for t in tickets)
    ranked = sorted(by_category.items(), key=lambda item: -item[1])
    shown = "、".join(f"{category.label} {n}" for category, n in ranked)
    return f"工单 {len(tickets)} 件：{shown or '无'}"


async def resolved_by_events(session: AsyncSession, ticket_ids: set[int | None]) -> set[int]:
    """Tickets whose history ends resolved: a resolved event not undone by a later reopening."""
    last: dict[int, EventKind] = {}
    for event in await all_rows(session, TicketEvent):
        if event.ticket_id in ticket_ids and event.kind in (
            EventKind.resolved,
            EventKind.reopened,
        ):
            last[event.ticket_id] = event.kind
    return {ticket_id for ticket_id, kind in last.items() if kind is EventKind.resolved}


def percent(part: int, whole: int) -> str:
    return "—" if not whole else "%.1f%%" % (part / whole * 100)


def work_log_line(logs: list[WorkLog]) -> str:
    by_kind = Counter(entry.kind for entry in logs)
    shown = "、".join(f"{kind.label} {by_kind[kind]}" for kind in WorkKind if by_kind[kind])
    return f"工作日志 {len(logs)} 条：{shown or '无'}"


async def headcount_line(session: AsyncSession, root: Node, inside: list[Node]) -> str:
    """The newest round opened at the root or above it, summed over the root's grids."""
    above = {int(part) for part in root.lineage.strip("/").split("/")}
    rounds = [r for r in await all_rows(session, HeadcountRound) if r.node_id in above]
    if not rounds:
        return "在区人口：尚无统计"
    latest = max(rounds, key=lambda r: (r.day, r.id))
    grid_levels = (Level.grid, Level.micro_grid)
    with_grid_below = {node.parent_id for node in inside if node.level in grid_levels}
    grids = {n.id for n in inside if n.level in grid_levels and n.id not in with_grid_below}
    answers = [
        a
        for a in await all_rows(session, HeadcountAnswer)
        if a.round_id == latest.id and a.node_id in grids
    ]
    total = sum(a.count for a in answers)
    missing = len(grids) - len(answers)
    return f"在区人口（最新一轮）：{total} 人，已报 {len(answers)} 个网格，未报 {missing} 个"
