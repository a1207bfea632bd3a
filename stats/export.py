"""Tickets as CSV for the monthly report: one row per ticket with its timings.

UTF-8 with a BOM, so Excel opens the Chinese correctly. Residents' names and phone numbers are
masked unless the reader's role may see them (`[stats] unmasked_roles`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable
from datetime import datetime, tzinfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from classify.extract import mask_phones
from core.csv_cells import safe_row
from core.timezone import local_time, zone_name
from models.people import Person
from models.tickets import Ticket
from models.tree import Level, Node, lineage_ids
from stats.period import Period, in_period

BOM = "\ufeff"
HEADER = (
    "工单号", "登记时间", "类别", "紧急程度", "状态", Level.town.label, Level.community.label,
    "网格编码", "网格",
    "当前办理", "上报次数", "反映人", "问题描述", "办理人", "接单时间", "接单用时(分钟)",
    "办结时间", "办结用时(分钟)", "关闭时间", "评价", "处理结果",
)  # fmt: skip
TIME_COLUMNS = frozenset({"登记时间", "接单时间", "办结时间", "关闭时间"})


def ticket_header(zone: tzinfo) -> tuple[str, ...]:
    """HEADER with the zone named in every time column: 登记时间(北京时间)."""
    return tuple(f"{h}({zone_name(zone)})" if h in TIME_COLUMNS else h for h in HEADER)


def mask_name(name: str) -> str:
    """王秀英 → 王**: the surname stays so staff can still address the resident."""
    name = name.strip()
    return name[:1] + "*" * (len(name) - 1) if len(name) > 1 else "*" * len(name)


def _local(moment: datetime | None, tz: tzinfo) -> str:
    return local_time(moment, tz) if moment else ""


def _minutes(later: datetime | None, earlier: datetime) -> str:
    return f"{(later - earlier).total_seconds() / 60:.1f}" if later else ""


async def subtree_nodes(session: AsyncSession, root: Node) -> dict[int, Node]:
    """The subtree's nodes and the root's ancestors, by id (a few thousand at most)."""
    ids = lineage_ids(root.lineage)
    result = await session.execute(
        select(Node).where(col(Node.lineage).startswith(root.lineage) | col(Node.id).in_(ids))
    )
    return {n.id: n for n in result.scalars() if n.id is not None}


async def ticket_rows(
    session: AsyncSession, root: Node, period: Period, masked: bool
) -> AsyncIterator[list[str]]:
    """The scope's tickets opened in the period, oldest first, as CSV cells (no header)."""
    nodes = await subtree_nodes(session, root)
    origin, assignee = aliased(Node), aliased(Person)
    query = (
        select(Ticket, col(assignee.name))
        .join(origin, col(origin.id) == Ticket.node_id)
        .outerjoin(assignee, col(assignee.id) == Ticket.assignee_person_id)
        .where(col(origin.lineage).startswith(root.lineage), *in_period(Ticket.created_at, period))
        .order_by(col(Ticket.id))
    )
    for ticket, worker in (await session.execute(query)).all():
        yield ticket_cells(ticket, worker, nodes, period.tz, masked)


def ticket_cells(
    t: Ticket, worker: str | None, nodes: dict[int, Node], tz: tzinfo, masked: bool
) -> list[str]:
    grid = nodes[t.node_id]
    above = {nodes[i].level: nodes[i].name for i in lineage_ids(grid.lineage) if i in nodes}
    handling = nodes.get(t.handling_node_id)
    hide = mask_phones if masked else str
    return [
        str(t.id), _local(t.created_at, tz), t.category.label,
        t.priority.label, t.status.label, above.get(Level.town, ""),
        above.get(Level.community, ""), grid.code, grid.name,
        handling.name if handling else "", str(t.escalation_level),
        mask_name(t.reporter_name) if masked else t.reporter_name, hide(t.text),
        worker or "", _local(t.claimed_at, tz), _minutes(t.claimed_at, t.created_at),
        _local(t.resolved_at, tz), _minutes(t.resolved_at, t.created_at),
        _local(t.closed_at, tz), t.rating.label if t.rating else "", hide(t.resolution or ""),
    ]  # fmt: skip


def csv_text(rows: Iterable[Iterable[str]], header: Iterable[str]) -> str:
    """The whole file as text, starting with the BOM."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(safe_row(header))
    writer.writerows(safe_row(row) for row in rows)  # residents' words never become formulas
    return out.getvalue()


async def export_csv(
    session: AsyncSession, root: Node, period: Period, masked: bool
) -> tuple[bytes, int]:
    """The file's bytes and its number of tickets."""
    rows = [row async for row in ticket_rows(session, root, period, masked)]
    return csv_text(rows, ticket_header(period.tz)).encode("utf-8"), len(rows)
