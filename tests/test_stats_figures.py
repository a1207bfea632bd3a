"""Every /stats figure recomputed in plain Python from the raw rows of a generated district."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import SQLModel, col, select

from core.db import session_scope
from models.broadcasts import Broadcast, BroadcastDelivery, BroadcastKind, BroadcastRead
from models.demo_data import generate_district
from models.groups import Group
from models.importer import import_tree
from models.tickets import EventKind, Ticket, TicketEvent, TicketStatus
from models.tree import Node, lineage_ids
from models.tree_service import node_by_code
from models.work import HeadcountAnswer, HeadcountRound, WorkLog
from stats.breakdown import build_report
from stats.model import Figures
from stats.period import Period, days_period, parse_period
from tests.support.synthetic import count_totals, generate_activity

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
TZ = ZoneInfo("Asia/Shanghai")


@dataclass
class Raw:
    """Every row the figures come from, read with plain SELECTs."""

    nodes: dict[int, Node]
    tickets: list[Ticket]
    events: list[TicketEvent]
    broadcasts: dict[int, Broadcast]
    deliveries: list[BroadcastDelivery]
    reads: list[BroadcastRead]
    groups: dict[int, Group]
    logs: list[WorkLog]
    rounds: list[HeadcountRound]
    answers: list[HeadcountAnswer]

    def under(self, node_id: int, root: Node) -> bool:
        return self.nodes[node_id].lineage.startswith(root.lineage)


async def read_raw(session: AsyncSession) -> Raw:
    async def rows(model: type[SQLModel]) -> list[Any]:
        return list((await session.execute(select(model))).scalars())

    return Raw(
        {n.id: n for n in await rows(Node)},
        await rows(Ticket),
        await rows(TicketEvent),
        {b.id: b for b in await rows(Broadcast)},
        await rows(BroadcastDelivery),
        await rows(BroadcastRead),
        {g.id: g for g in await rows(Group)},
        await rows(WorkLog),
        await rows(HeadcountRound),
        await rows(HeadcountAnswer),
    )


def quantile(values: list[float], q: float) -> float | None:
    """Linear interpolation between closest ranks, as statistics.quantiles(inclusive)."""
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    if q == 0.5:
        return statistics.median(values)
    return statistics.quantiles(values, n=10, method="inclusive")[round(q * 10) - 1]


def expected(raw: Raw, root: Node, period: Period, own_only: bool = False) -> dict[str, Any]:
    """The figures for `root`'s subtree (or only `root` itself), straight from the rows."""

    def inside(node_id: int | None) -> bool:
        if node_id is None:
            return False
        return node_id == root.id if own_only else raw.under(node_id, root)

    def in_period(moment: datetime) -> bool:
        return period.start <= moment < period.end

    tickets = [t for t in raw.tickets if inside(t.node_id) and in_period(t.created_at)]
    ids = {t.id for t in tickets}
    escalated = [e for e in raw.events if e.ticket_id in ids and e.kind is EventKind.escalated]
    sent = {b.id for b in raw.broadcasts.values() if in_period(b.created_at)}
    sent -= {b.id for b in raw.broadcasts.values() if b.kind is BroadcastKind.edit}
    copies = [
        d
        for d in raw.deliveries
        if d.broadcast_id in sent and inside(raw.groups[d.group_id].node_id)
    ]
    read_pairs = {(r.broadcast_id, r.group_id) for r in raw.reads}
    offered = [
        d for d in copies if d.status == "delivered" and raw.broadcasts[d.broadcast_id].read_button
    ]
    return {
        "by_category": Counter(t.category for t in tickets),
        "by_status": Counter(t.status for t in tickets),
        "by_rating": Counter(t.rating for t in tickets if t.rating is not None),
        "escalations": Counter(raw.nodes[e.node_id].level for e in escalated if e.node_id),
        "claim": _seconds([t.claimed_at, t.created_at] for t in tickets),
        "resolve": _seconds([t.resolved_at, t.created_at] for t in tickets),
        "broadcasts": len({d.broadcast_id for d in copies}),
        "copies": len(copies),
        "delivered": sum(d.status == "delivered" for d in copies),
        "read_offered": len(offered),
        "read": sum((d.broadcast_id, d.group_id) in read_pairs for d in offered),
        "work_logs": Counter(
            w.kind for w in raw.logs if inside(w.node_id) and in_period(w.created_at)
        ),
    }


def _seconds(pairs: Any) -> list[float]:
    return [(later - earlier).total_seconds() for later, earlier in pairs if later is not None]


def assert_matches(figures: Figures, want: dict[str, Any]) -> None:
    for name in ("by_category", "by_status", "by_rating", "escalations", "work_logs"):
        assert +getattr(figures, name) == +want[name], name
    for name in ("broadcasts", "copies", "delivered", "read_offered", "read"):
        assert getattr(figures, name) == want[name], name
    for stamp in ("claim", "resolve"):
        for q, suffix in ((0.5, "p50"), (0.9, "p90")):
            got, exact = getattr(figures, f"{stamp}_{suffix}"), quantile(want[stamp], q)
            assert got == pytest.approx(exact, abs=0.01), f"{stamp}_{suffix}"


@pytest.fixture
async def district(session_factory: async_sessionmaker[AsyncSession]) -> Raw:
    """8 grids, 400 tickets over 20 days, and a few tickets reported at community level."""
    nodes, staff = generate_district(grids=8)
    async with session_scope(session_factory) as session:
        await import_tree(session, nodes, staff)
    await generate_activity(session_factory, 400, 20, NOW, seed=5)
    async with session_scope(session_factory) as session:
        community = await node_by_code(session, "PG-01-001")
        assert community is not None
        await session.execute(
            update(Ticket).where(col(Ticket.id) % 37 == 0).values(node_id=community.id)
        )
    await count_totals(session_factory)  # the UPDATE above went round the workflow
    async with session_factory() as session:
        return await read_raw(session)


@pytest.mark.parametrize(
    ("code", "period"), [("PG", "30d"), ("PG-01", "7d"), ("PG-01-001", "本周")]
)
async def test_figures_match_the_raw_rows(
    session: AsyncSession, district: Raw, code: str, period: str
) -> None:
    node = await node_by_code(session, code)
    assert node is not None
    span = parse_period(period, NOW, TZ)
    report = await build_report(session, node, span)
    assert report.total.tickets > 0
    assert_matches(report.total, expected(district, node, span))
    for part in report.parts:
        assert_matches(part.figures, expected(district, part.node, span, own_only=part.own_level))


async def test_parts_add_up_to_the_total_and_run_worst_first(
    session: AsyncSession, district: Raw
) -> None:
    node = await node_by_code(session, "PG-01")
    assert node is not None
    report = await build_report(session, node, parse_period("30d", NOW, TZ))
    assert [p.node.code for p in report.parts if p.own_level] == []
    for name in ("by_category", "by_status", "by_rating", "escalations", "work_logs"):
        summed: Counter[Any] = sum((getattr(p.figures, name) for p in report.parts), Counter())
        assert summed == +getattr(report.total, name)
    shares = [p.figures.resolved_share for p in report.parts if p.figures.tickets]
    assert None not in shares  # every part with tickets has a share
    assert shares == sorted(s for s in shares if s is not None)
    assert (
        report.total.resolved
        == report.total.by_status[TicketStatus.resolved]
        + (report.total.by_status[TicketStatus.closed])
    )


async def test_a_ticket_reported_at_a_communitys_own_level_is_its_own_part(
    session: AsyncSession, district: Raw
) -> None:
    node = await node_by_code(session, "PG-01-001")
    assert node is not None
    report = await build_report(
        session, node, days_period(NOW.date().replace(day=1), NOW.date(), TZ)
    )
    (own,) = [p for p in report.parts if p.own_level]
    assert own.node.code == "PG-01-001" and own.figures.tickets > 0
    assert own.figures.tickets == sum(
        1 for t in district.tickets if t.node_id == node.id and t.created_at >= report.period.start
    )


async def test_headcount_is_the_latest_round_summed_over_the_grids(
    session: AsyncSession, district: Raw
) -> None:
    node = await node_by_code(session, "PG-02")
    assert node is not None
    report = await build_report(session, node, parse_period("今天", NOW, TZ))
    (latest,) = district.rounds
    grids = {
        n.id
        for n in district.nodes.values()
        if n.lineage.startswith(node.lineage) and n.level.rank == 4
    }
    answers = [a for a in district.answers if a.round_id == latest.id and a.node_id in grids]
    assert report.total.headcount is not None
    assert report.total.headcount.total == sum(a.count for a in answers)
    assert report.total.headcount.answered_grids == len(answers)
    assert report.total.headcount.missing_grids == len(grids) - len(answers)
    assert latest.node_id in lineage_ids(node.lineage)


async def test_an_empty_period_gives_zeros_and_no_timings(
    session: AsyncSession, district: Raw
) -> None:
    node = await node_by_code(session, "PG")
    assert node is not None
    report = await build_report(
        session,
        node,
        days_period(NOW.date().replace(year=2020), NOW.date().replace(year=2020), TZ),
    )
    assert report.total.tickets == 0 and report.total.resolved_share is None
    assert report.total.claim_p50 is None and report.total.broadcasts == 0
