"""`gridbot classify export-marks [--since DAY] FILE`: staff's 误报 / 改为 X marks as labelled
lines in the corpus format of tests/classify/*.tsv (`text<TAB>category<TAB>priority`), for
people to review and add to the corpus. Phone numbers are masked; tabs and line breaks in a
message become spaces (the format has one message per line and no quoting)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from classify.extract import mask_phones
from cli.audit import parse_since
from core.config import Settings
from core.db import check_schema, make_engine, make_session_factory, session_scope
from core.timezone import district_zone
from models.reviews import ClassifierMark
from tickets.marks import marks_since

HEADER = "text\tcategory\tpriority"


def add_parsers(classify_sub: Any) -> None:
    """`export-marks` beside the other `gridbot classify` actions (`classify_sub`: the
    classify parser's sub-parsers)."""
    marks = classify_sub.add_parser(
        "export-marks", help="staff's 误报 / 改为 X marks as labelled corpus lines (TSV)"
    )
    marks.add_argument("file", help="the TSV file to write ('-' for stdout)")
    marks.add_argument("--since", help="only marks from this day (2026-11-24) or ISO time on")
    marks.set_defaults(func=export_marks)


def _cell(text: str) -> str:
    return " ".join(text.replace("\t", " ").splitlines()).strip()


def mark_lines(marks: Iterable[ClassifierMark]) -> list[str]:
    """The header and one line per mark: the message (phones masked) and the staff's label."""
    lines = [HEADER]
    for mark in marks:
        text = _cell(mask_phones(mark.text))
        if text:
            lines.append(f"{text}\t{mark.label_category.value}\t{mark.label_priority.value}")
    return lines


async def export_marks(args: argparse.Namespace) -> int:
    settings: Settings = args.settings
    try:
        since = parse_since(args.since, district_zone(settings)) if args.since else None
    except ValueError:
        print(
            f"gridbot: --since {args.since!r}: expected a day (2026-11-24) or an ISO time",
            file=sys.stderr,
        )
        return 2
    engine = make_engine(settings.database.url)
    try:
        await check_schema(engine)
        async with session_scope(make_session_factory(engine)) as session:
            marks = await marks_since(session, since)
    finally:
        await engine.dispose()
    body = "\n".join(mark_lines(marks)) + "\n"
    if args.file == "-":
        sys.stdout.write(body)
    else:
        Path(args.file).write_text(body, encoding="utf-8")
    print(f"{len(marks)} marks written to {args.file}", file=sys.stderr)
    return 0
