"""Every time a person reads is district time with the zone named, in the CLI and the chats."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from core.timezone import chat_time, cli_time
from templates import render
from tests.test_cli import gridbot
from tickets.alert_texts import TemplateTexts

ROOT = Path(__file__).resolve().parent.parent
SHANGHAI = ZoneInfo("Asia/Shanghai")
# The folders whose code or templates word what people read.
WORDING = ["cli", "handlers", "templates", "broadcasts", "tickets", "work", "stats", "demo"]


def test_the_cli_and_the_chats_name_the_zone() -> None:
    moment = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
    assert cli_time(moment, SHANGHAI) == "2026-12-04 18:00 (Asia/Shanghai)"
    assert chat_time(moment, SHANGHAI) == "北京时间 12-04 18:00"
    assert chat_time(moment, ZoneInfo("Europe/Berlin")) == "Europe/Berlin 12-04 11:00"


def test_no_time_is_formatted_outside_the_one_formatter() -> None:
    hour = re.compile(r"%H")  # a time of day; dates (%m-%d) carry no zone
    found = []
    for folder in WORDING:
        for file in sorted((ROOT / folder).rglob("*")):
            relative = file.relative_to(ROOT).as_posix()
            if file.suffix in (".py", ".j2"):
                text = file.read_text(encoding="utf-8")
                found += [f"{relative}: {m.group(0)}" for m in hour.finditer(text)]
    assert found == [], "format times with core.timezone.cli_time / chat_time"


def test_a_checklist_mark_shows_beijing_time() -> None:
    item = SimpleNamespace(label="巡查消防通道")
    line = SimpleNamespace(
        item=item, done_by="张伟", done_at=datetime(2026, 12, 4, 1, 30, tzinfo=UTC)
    )
    week = SimpleNamespace(period="2026-W49", monday=date(2026, 11, 30), sunday=date(2026, 12, 6))
    text = render("work_checklist", node="府前社区", lines=[line], week=week, tz=SHANGHAI)
    assert "张伟 北京时间 12-04 09:30" in text


def test_an_alert_update_shows_beijing_time() -> None:
    texts = TemplateTexts(SHANGHAI)
    assert texts._at(datetime(2026, 12, 4, 10, 5, tzinfo=UTC)) == "北京时间 12-04 18:05"


def test_bind_token_and_broadcasts_print_district_time(tmp_path: Path) -> None:
    gridbot(tmp_path, "demo-data", "-o", "district.csv")
    gridbot(tmp_path, "db", "upgrade")
    gridbot(tmp_path, "import", "district.csv")
    token = gridbot(tmp_path, "bind-token", "PG-01-001-01", "--ttl-minutes", "60")
    assert token.returncode == 0, token.stderr
    until = re.search(r"valid until (\S+ \S+) \(Asia/Shanghai\)", token.stderr)
    assert until, token.stderr
    shown = datetime.strptime(until.group(1), "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI)
    assert abs(shown - (datetime.now(UTC) + timedelta(minutes=60))) < timedelta(minutes=2)
    assert "UTC" not in token.stderr

    at = ["--at", "2026-12-31T09:00+08:00"]
    queued = gridbot(tmp_path, "broadcast", "--to", "PG-01", "--text", "停水通知", *at)
    assert "scheduled for 2026-12-31 09:00 (Asia/Shanghai)" in queued.stdout
    listing = gridbot(tmp_path, "broadcasts").stdout
    created = re.search(r"#1 \S+ +(\S+ \S+) \(Asia/Shanghai\)", listing)
    assert created, listing
    shown = datetime.strptime(created.group(1), "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI)
    assert abs(shown - datetime.now(UTC)) < timedelta(minutes=2)
    waiting = gridbot(tmp_path, "broadcasts", "--scheduled").stdout
    assert "#1 2026-12-31 09:00 (Asia/Shanghai)" in waiting
