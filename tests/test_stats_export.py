"""CSV exports (BOM, Chinese, masking), the chart's glyphs, periods and `gridbot stats`."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from cli.main import main
from core.db import session_scope
from core.vocabulary import VOCABULARY
from models.demo_data import generate_district
from models.importer import import_tree
from models.tickets import Ticket
from models.tree import Node
from models.tree_service import node_by_code
from stats.breakdown import build_report
from stats.chart import chart_data, render_png
from stats.drawing import missing_glyphs
from stats.export import BOM, export_csv, mask_name, ticket_header
from stats.period import PeriodError, parse_period
from tests.support.synthetic import generate_activity

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # a Tuesday, 17:00 in Beijing
TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
async def district(session_factory: async_sessionmaker[AsyncSession]) -> str:
    """The demo district with 120 tickets; returns the number of one from town PG-01 whose
    reporter and text are known."""
    nodes, staff = generate_district(grids=8)
    async with session_scope(session_factory) as session:
        await import_tree(session, nodes, staff)
    await generate_activity(session_factory, 120, 10, NOW, seed=3)
    async with session_scope(session_factory) as session:
        town = await node_by_code(session, "PG-01")
        assert town is not None
        first = await session.scalar(
            select(Ticket)
            .join(Node, col(Node.id) == Ticket.node_id)
            .where(col(Node.lineage).startswith(town.lineage))
            .order_by(col(Ticket.id))
            .limit(1)
        )
        assert first is not None
        first.reporter_name, first.text = "王秀英", "家里水管爆了，电话13812345678"
        return str(first.id)


def read_back(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(BOM.encode("utf-8"))
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


async def test_the_csv_has_a_bom_chinese_headers_and_one_row_per_ticket(
    session: AsyncSession, district: str
) -> None:
    node = await node_by_code(session, "PG-01")
    assert node is not None
    period = parse_period("30d", NOW, TZ)
    data, count = await export_csv(session, node, period, masked=True)
    rows = read_back(data)
    assert list(rows[0]) == list(ticket_header(TZ)) and len(rows) == count
    assert "登记时间(北京时间)" in rows[0]  # the cells are bare local times
    report = await build_report(session, node, period)
    assert count == report.total.tickets
    by_label = Counter(row["类别"] for row in rows)
    assert by_label == {c.label: n for c, n in report.total.by_category.items()}
    assert sum(1 for row in rows if row["办结时间(北京时间)"]) == report.total.resolved
    assert {row["镇/街道"] for row in rows} == {node.name}
    first = next(row for row in rows if row["工单号"] == district)
    assert first["反映人"] == "王**"
    assert "138****5678" in first["问题描述"] and "13812345678" not in first["问题描述"]
    claimed = next(row for row in rows if row["接单时间(北京时间)"])
    assert float(claimed["接单用时(分钟)"]) >= 0


async def test_an_allowed_role_gets_names_and_phones_unmasked(
    session: AsyncSession, district: str
) -> None:
    node = await node_by_code(session, "PG")
    assert node is not None
    data, _ = await export_csv(session, node, parse_period("30d", NOW, TZ), masked=False)
    first = next(row for row in read_back(data) if row["工单号"] == district)
    assert first["反映人"] == "王秀英" and "13812345678" in first["问题描述"]


FORMULAS = ("=cmd|' /C calc'!A0 楼道漏水", '=HYPERLINK("http://x","点我")', "+1-2", "@SUM(A1)")


async def test_no_cell_of_an_export_starts_a_formula(
    session_factory: async_sessionmaker[AsyncSession], district: str
) -> None:
    """OWASP's rule: =, +, -, @, tab and CR at a cell's start get a leading quote."""
    async with session_scope(session_factory) as session:
        ticket = await session.get(Ticket, int(district))
        assert ticket is not None
        ticket.text, ticket.resolution = FORMULAS[0], FORMULAS[1]
        ticket.reporter_name = FORMULAS[2]
    async with session_factory() as session:
        node = await node_by_code(session, "PG")
        assert node is not None
        for masked in (True, False):
            data, _ = await export_csv(session, node, parse_period("30d", NOW, TZ), masked)
            rows = read_back(data)
            cells = [cell for row in rows for cell in row.values()]
            assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
            first = next(row for row in rows if row["工单号"] == district)
            assert first["问题描述"] == "'" + FORMULAS[0]
            assert first["处理结果"] == "'" + FORMULAS[1]
            name = mask_name(FORMULAS[2]) if masked else FORMULAS[2]
            assert first["反映人"] == "'" + name


def test_names_keep_only_the_surname() -> None:
    assert [mask_name(n) for n in ("王秀英", "李娜", "张", "")] == ["王**", "李*", "*", ""]


async def test_the_chart_is_a_png_and_the_font_has_every_character_drawn(
    session: AsyncSession, district: None
) -> None:
    node = await node_by_code(session, "PG")
    assert node is not None
    report = await build_report(session, node, parse_period("本月", NOW, TZ), daily=True)
    data = chart_data(report)
    assert sum(sum(v) for v in data.per_category.values()) == report.total.tickets
    all_names = [n.name for n in (await session.execute(select(Node))).scalars()]
    labels = [member.label for vocabulary in VOCABULARY for member in vocabulary]
    assert missing_glyphs([*data.texts(), *all_names, *labels]) == set()
    assert missing_glyphs(["\U0001f4ca"]) == {"\U0001f4ca"}  # the check does find gaps
    assert render_png(data).startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.parametrize(
    ("word", "first", "last"),
    [
        ("今天", date(2026, 11, 24), date(2026, 11, 24)),
        ("本周", date(2026, 11, 23), date(2026, 11, 24)),
        ("本月", date(2026, 11, 1), date(2026, 11, 24)),
        ("7d", date(2026, 11, 18), date(2026, 11, 24)),
        ("2026-10-01..2026-10-31", date(2026, 10, 1), date(2026, 10, 31)),
    ],
)
def test_periods_are_local_days(word: str, first: date, last: date) -> None:
    period = parse_period(word, NOW, TZ)
    assert (period.first, period.last) == (first, last)
    assert period.start == datetime(first.year, first.month, first.day, tzinfo=TZ)
    assert len(period.day_starts()) == (last - first).days + 2


@pytest.mark.parametrize(
    "word", ["昨天吧", "2026-11-30..2026-11-01", "2026-02-30..2026-03-01", "0d"]
)
def test_bad_periods_are_refused(word: str) -> None:
    with pytest.raises(PeriodError):
        parse_period(word, NOW, TZ)


async def test_gridbot_stats_prints_json_and_export_tickets_writes_a_bom_csv(
    database_url: str,
    district: None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GRIDBOT_DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)
    span = ["--from", "2026-11-01", "--to", "2026-11-24"]
    assert (
        await asyncio.to_thread(main, ["stats", "--node", "PG-02", *span, "--format", "json"]) == 0
    )
    shown = json.loads(capsys.readouterr().out)
    assert shown["node"]["code"] == "PG-02" and shown["total"]["tickets"] > 0
    assert [c["code"] for c in shown["children"]] != []
    out = tmp_path / "tickets.csv"
    assert (
        await asyncio.to_thread(main, ["export-tickets", "--node", "PG-02", *span, "-o", str(out)])
        == 0
    )
    rows = read_back(out.read_bytes())
    assert len(rows) == shown["total"]["tickets"]
    assert await asyncio.to_thread(main, ["stats", "--node", "NOPE", *span]) == 2
    assert "no node with code NOPE" in capsys.readouterr().err
