"""The bench scripts still run, small, and their last line holds the promised figures.

Timing figures are not checked here (they belong in the issue notes); what is checked is that
each script completes, every group got the message (every report its reply) exactly once, and
the JSON has its keys.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent.parent / "bench"


def run_bench(script: str, *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, str(BENCH / script), *args],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_a_warm_broadcast_reaches_every_group_once() -> None:
    result = run_bench("broadcast.py", "--groups=120", "--rate=400", "--emulator-limits=off")
    promised = ("groups", "wall_s", "delivered", "failed", "http_429", "per_second", "peak_rss_mb")
    assert set(promised) <= set(result)
    assert result["delivered"] == result["chats_reached"] == 120
    assert result["warm_up_groups"] > 0
    assert result["failed"] == result["http_429"] == result["chats_with_more_than_one"] == 0


def test_a_cold_broadcast_with_faults_names_every_failure() -> None:
    result = run_bench(
        "broadcast.py",
        *("--groups", "100", "--rate", "400", "--emulator-limits", "off", "--no-warm-up"),
        *("--kicked-percent", "5", "--migrated-percent", "2"),
    )
    assert result["kicked"] == result["failures_reported"] == result["failed"] == 5
    assert result["others_delivered_once"] == result["others"]
    assert result["migrated_reached_at_new_id"] == result["migrated"] == 2
    assert result["warm_up_groups"] == 0


def test_a_crash_half_way_loses_nothing_and_reports_its_duplicates() -> None:
    result = run_bench("broadcast_crash.py", "--groups", "400", "--rate", "200", "--senders", "8")
    assert result["ok"] is True
    assert result["lost"] == 0 and result["delivered_once"] + result["duplicated"] == 400
    assert result["duplicated"] <= result["reported_possible_duplicates"] <= 8


def test_every_report_gets_exactly_one_reply() -> None:
    result = run_bench(
        "reply_latency.py", "--groups=5", "--steady-seconds=3", "--burst=20", "--wait=30"
    )
    promised = ("messages", "replies", "missing", "duplicated", "p50_ms", "p95_ms", "p99_ms")
    assert set(promised) | {"burst_clear_s", "burst_bound_s", "send_rate"} <= set(result)
    assert result["messages"] == result["replies"] == result["tickets_opened"] == 15 + 20
    assert result["missing"] == result["duplicated"] == result["http_429"] == 0
    assert result["workers_reachable"] is True


def test_a_small_soak_under_every_fault_loses_no_report_and_no_reply() -> None:
    result = run_bench(
        "fault_soak.py",
        *("--groups", "10", "--messages", "60", "--seconds", "20"),
        *("--kill-at", "7,14", "--db-kill-every", "5", "--wait", "90"),
    )
    promised = (
        "messages", "tickets", "lost_tickets", "replies_missing", "replies_duplicated",
        "reported_possible_duplicates", "max_reply_delay_s",
    )  # fmt: skip
    assert set(promised) <= set(result)
    assert result["details"]["bot_kills"] == 2 and result["details"]["db_connection_kills"] >= 3
    assert result["lost_tickets"] == result["replies_missing"] == 0
    assert result["replies_duplicated"] <= result["reported_possible_duplicates"]


def test_classification_bench_reports_speed_latency_and_model_memory() -> None:
    result = run_bench("classify.py", "--messages=2000")
    assert {"per_second", "p50_ms", "p99_ms", "model_rss_mb"} <= set(result)
    assert result["messages"] == 2000 and result["learned"] is True
    assert 0 < result["p50_ms"] <= result["p99_ms"]


def test_the_console_views_bench_times_every_view_at_every_level() -> None:
    result = run_bench("console_views.py", "--tickets=2000", "--grids=40", "--days=20", "--runs=2")
    views = ["overview_30d", "overview_all", "browse_30d", "unbound_grids", "unreachable_staff"]
    views += ["search", "alerts", "headcount"]
    for view in views:
        for level in ("district", "town", "community"):
            assert set(result[f"{view}.{level}"]) == {"p50_ms", "p95_ms"}
    assert result["worst_p95_ms"] == max(
        figures["p95_ms"] for key, figures in result.items() if "." in key
    )


def test_the_console_bench_times_every_page_and_the_whole_history(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'console.db'}"
    result = run_bench(
        "console.py",
        *("--database-url", url, "--fill", "--tickets", "1500", "--grids", "24"),
        *("--days", "40", "--runs", "2"),
    )
    assert result["tickets"] == 1500
    pages = {"overview_30d", "grid", "tickets", "ticket_detail", "broadcast_detail", "alerts"}
    assert pages <= set(result["pages"])
    assert all({"p50_ms", "p95_ms"} == set(v) for v in result["pages"].values())
    assert result["whole_history_stats_seconds"] > 0
