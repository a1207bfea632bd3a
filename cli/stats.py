"""`gridbot stats` and `gridbot export-tickets`: the officials' figures from the command line."""

from __future__ import annotations

import argparse
import html
import json
import sys
import unicodedata
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from cli.totals import rebuild_totals_command
from core.clock import Clock
from core.config import Settings
from core.db import make_session_factory, open_engine
from core.timezone import district_zone
from models.tree import Node
from models.tree_service import node_by_code
from stats.breakdown import build_report
from stats.export import csv_text, ticket_header, ticket_rows
from stats.period import DEFAULT_PERIOD, Period, PeriodError, days_period, parse_period
from stats.present import TABLE_HEADER, report_dict, report_text, table_rows

Produce = Callable[[async_sessionmaker[AsyncSession], Period], Awaitable[str]]


class CliError(Exception):
    """A bad argument, worded for the person at the terminal."""


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    stats = sub.add_parser("stats", help="figures for a node's subtree over a period")
    stats.add_argument(
        "action",
        nargs="?",
        choices=("rebuild-totals",),
        help="rebuild-totals: count the daily totals again from every ticket and log entry",
    )
    _scope_arguments(stats)
    stats.add_argument("--format", choices=("table", "json", "csv"), default="table")
    stats.set_defaults(func=stats_command)
    export = sub.add_parser("export-tickets", help="tickets as CSV (UTF-8 with BOM, for Excel)")
    _scope_arguments(export)
    export.add_argument("--unmasked", action="store_true", help="show residents' names, phones")
    export.set_defaults(func=export_command)


def _scope_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--node", help="node code (default: the district)")
    parser.add_argument("--from", dest="first", help="first day, YYYY-MM-DD (local)")
    parser.add_argument("--to", dest="last", help="last day, YYYY-MM-DD (default: today)")
    parser.add_argument("--period", help=f"今天|本周|本月|7d|30d|A..B (default {DEFAULT_PERIOD})")
    parser.add_argument("--output", "-o", default="-", help="file, or - for stdout")


def period_of(args: argparse.Namespace, settings: Settings) -> Period:
    tz, now = district_zone(settings), Clock().now()
    try:
        if args.first or args.last:
            last = date.fromisoformat(args.last) if args.last else now.astimezone(tz).date()
            first = date.fromisoformat(args.first) if args.first else last
            return days_period(first, last, tz)
        return parse_period(args.period or DEFAULT_PERIOD, now, tz)
    except (PeriodError, ValueError) as exc:
        raise CliError(f"bad period: {exc}") from exc


async def scope_node(session: AsyncSession, code: str | None) -> Node:
    if code:
        node = await node_by_code(session, code)
        if node is None:
            raise CliError(f"no node with code {code}")
        return node
    roots = (await session.execute(select(Node).where(col(Node.parent_id).is_(None)))).scalars()
    found = list(roots)
    if len(found) != 1:
        raise CliError("name the node with --node CODE" if found else "the tree is empty")
    return found[0]


async def stats_output(
    factory: async_sessionmaker[AsyncSession],
    code: str | None,
    period: Period,
    fmt: str,
    *,
    recount: bool = False,
) -> str:
    """The figures as printed; `recount` counts from the rows, not the daily totals (slow)."""
    async with factory() as session:
        node = await scope_node(session, code)
        report = await build_report(session, node, period, recount=recount)
    if fmt == "json":
        return json.dumps(report_dict(report), ensure_ascii=False, indent=2)
    if fmt == "csv":
        return csv_text(table_rows(report), TABLE_HEADER)
    summary = html.unescape(report_text(report).split("\n\n", 1)[0])
    return summary + "\n\n" + aligned([list(TABLE_HEADER), *table_rows(report)])


def aligned(rows: list[list[str]]) -> str:
    """A plain-text table; CJK characters count two columns wide."""
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(
            cell + " " * (w - _width(cell)) for cell, w in zip(row, widths, strict=True)
        ).rstrip()
        for row in rows
    )


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _emit(text: str, output: str) -> None:
    if output == "-":  # a BOM only helps a file Excel opens, not a terminal
        shown = text.removeprefix("\ufeff") if sys.stdout.isatty() else text
        sys.stdout.write(shown + ("" if text.endswith("\n") else "\n"))
    else:
        Path(output).write_text(text, encoding="utf-8", newline="")
        print(f"wrote {output}", file=sys.stderr)


async def stats_command(args: argparse.Namespace) -> int:
    if args.action == "rebuild-totals":
        return await rebuild_totals_command(args)
    return await _run(args, lambda f, p: stats_output(f, args.node, p, args.format))


async def export_command(args: argparse.Namespace) -> int:
    async def export(factory: async_sessionmaker[AsyncSession], period: Period) -> str:
        async with factory() as session:
            node = await scope_node(session, args.node)
            rows = [r async for r in ticket_rows(session, node, period, not args.unmasked)]
        return csv_text(rows, ticket_header(period.tz))

    return await _run(args, export)


async def _run(args: argparse.Namespace, produce: Produce) -> int:
    settings: Settings = args.settings
    engine = await open_engine(settings.database.url)
    try:
        period = period_of(args, settings)
        text = await produce(make_session_factory(engine), period)
    except CliError as exc:
        print(f"gridbot: {exc}", file=sys.stderr)
        return 2
    finally:
        await engine.dispose()
    _emit(text, args.output)
    return 0
