"""Turning a report into what people read: labelled lists for the templates, and plain dicts."""

from __future__ import annotations

from collections import Counter
from typing import Any, TypeVar

from core.vocabulary import ReviewStatus
from models.tickets import Rating, TicketStatus
from models.tree import Level
from models.work import WorkKind
from stats.model import Figures, Part, Report
from templates import render

SHOWN_PARTS = 12
ESCALATION_ORDER = [Level.community, Level.town, Level.district]  # upward


K = TypeVar("K", bound=str)


def largest_first(counts: Counter[K]) -> list[tuple[K, int]]:
    """Most common first, ties by name, so the same rows always print the same way."""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def labelled(figures: Figures) -> dict[str, list[tuple[str, int]]]:
    """Each breakdown as (label, count) pairs: categories most first, the rest in fixed order."""
    return {
        "categories": [(c.label, n) for c, n in largest_first(figures.by_category)],
        "statuses": _in_order(figures.by_status, list(TicketStatus)),
        "ratings": _in_order(figures.by_rating, list(Rating)),
        "escalations": [
            ("至" + label, n) for label, n in _in_order(figures.escalations, ESCALATION_ORDER)
        ],
        "work_logs": _in_order(figures.work_logs, list(WorkKind)),
        "reviews": _in_order(figures.reviews, list(ReviewStatus)),
    }


def _in_order(counts: Counter[Any], order: list[Any]) -> list[tuple[str, int]]:
    return [(key.label, counts[key]) for key in order if counts[key]]


def report_context(report: Report, shown: int = SHOWN_PARTS) -> dict[str, Any]:
    parts = report.parts
    return {"r": report, **labelled(report.total), "shown": parts[:shown], "hidden": parts[shown:]}


def report_text(report: Report) -> str:
    context = report_context(report)
    context["hidden"] = len(context["hidden"])
    return render("stats_report", **context)


def figures_dict(figures: Figures) -> dict[str, Any]:
    """Machine-readable figures (`gridbot stats --format json`)."""
    return {
        "tickets": figures.tickets,
        "by_category": dict(largest_first(figures.by_category)),
        "by_status": {s.value: figures.by_status[s] for s in TicketStatus},
        "resolved": figures.resolved,
        "resolved_share": figures.resolved_share,
        "rated": figures.rated,
        "by_rating": {r.value: figures.by_rating[r] for r in Rating},
        "satisfied_share": figures.satisfied_share,
        "claim_seconds": {"p50": figures.claim_p50, "p90": figures.claim_p90},
        "resolve_seconds": {"p50": figures.resolve_p50, "p90": figures.resolve_p90},
        "escalations": {lv.value: n for lv, n in figures.escalations.items()},
        "broadcasts": figures.broadcasts,
        "copies": figures.copies,
        "delivered": figures.delivered,
        "delivery_rate": figures.delivery_rate,
        "read_offered": figures.read_offered,
        "read": figures.read,
        "read_rate": figures.read_rate,
        "work_logs": {k.value: figures.work_logs[k] for k in WorkKind if figures.work_logs[k]},
        "reviews": {s.value: figures.reviews[s] for s in ReviewStatus},
        "reviews_escalated": figures.reviews_escalated,
        "headcount": vars(figures.headcount) if figures.headcount else None,
    }


def part_dict(part: Part) -> dict[str, Any]:
    node = part.node
    return {"code": node.code, "name": node.name, "own_level": part.own_level,
            **figures_dict(part.figures)}  # fmt: skip


def report_dict(report: Report) -> dict[str, Any]:
    return {
        "node": {"code": report.node.code, "path": report.path},
        "period": {"from": report.period.first.isoformat(), "to": report.period.last.isoformat()},
        "total": figures_dict(report.total),
        "children": [part_dict(p) for p in report.parts],
        **({} if report.failed_updates is None else {"failed_updates": report.failed_updates}),
    }


TABLE_HEADER = (
    "节点", "工单", "办结", "办结率", "满意率", "接单中位(分)", "办结中位(时)", "上报",
    "广播", "送达率", "已阅率", "日志", "在区人口",
)  # fmt: skip


def _cell(share: float | None) -> str:
    return "" if share is None else f"{share * 100:.1f}%"


def _num(value: float | None, unit: float) -> str:
    return "" if value is None else f"{value / unit:.1f}"


def table_row(name: str, f: Figures) -> list[str]:
    return [
        name, str(f.tickets), str(f.resolved), _cell(f.resolved_share),
        _cell(f.satisfied_share), _num(f.claim_p50, 60), _num(f.resolve_p50, 3600),
        str(sum(f.escalations.values())), str(f.broadcasts), _cell(f.delivery_rate),
        _cell(f.read_rate), str(sum(f.work_logs.values())),
        str(f.headcount.total) if f.headcount else "",
    ]  # fmt: skip


def table_rows(report: Report) -> list[list[str]]:
    """合计 first, then every part worst first (`gridbot stats --format table|csv`)."""
    rows = [table_row("合计", report.total)]
    for part in report.parts:
        rows.append(
            table_row(part.node.name + ("（本级）" if part.own_level else ""), part.figures)
        )
    return rows
