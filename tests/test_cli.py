"""The `gridbot` command line, run as a newcomer would run it: in a fresh directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SUBCOMMANDS = [
    "run",
    "db",
    "import",
    "export",
    "demo-data",
    "bind-token",
    "classify",
    "demo",
    "emulator",
    "broadcast",
    "broadcasts",
    "console",
    "console-link",
]
Result = subprocess.CompletedProcess[str]


def gridbot(cwd: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GRIDBOT_")}
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        cwd=cwd,
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_every_subcommand_has_help(tmp_path: Path, command: str) -> None:
    result = gridbot(tmp_path, command, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: gridbot {command}")


def test_a_district_goes_from_generated_file_to_database_and_back(tmp_path: Path) -> None:
    assert gridbot(tmp_path, "demo-data", "--grids", "40", "-o", "district.csv").returncode == 0
    assert gridbot(tmp_path, "db", "upgrade").returncode == 0
    first = gridbot(tmp_path, "import", "district.csv")
    assert first.returncode == 0, first.stderr
    again = gridbot(tmp_path, "import", "district.csv")
    assert again.returncode == 0, again.stderr
    exported = gridbot(tmp_path, "export", "back.csv")
    assert exported.returncode == 0, exported.stderr
    assert gridbot(tmp_path, "import", "back.csv").stdout == again.stdout
    assert gridbot(tmp_path, "db", "current").returncode == 0


def test_a_bad_file_is_reported_row_by_row_and_changes_nothing(tmp_path: Path) -> None:
    header = "type,code,name,level,parent,person,role,phone,telegram_id,telegram_username\n"
    (tmp_path / "bad.csv").write_text(
        header
        + "node,PG,平谷区,district,,,,,,\n"
        + "node,PG-01,滨河街道,town,PG-XX,,,,,\n"
        + "node,PG-02,兴谷街道,planet,PG,,,,,\n",
        encoding="utf-8",
    )
    assert gridbot(tmp_path, "db", "upgrade").returncode == 0
    result = gridbot(tmp_path, "import", "bad.csv")
    assert result.returncode == 1
    assert "bad.csv:3:" in result.stderr and "bad.csv:4:" in result.stderr
    assert "nothing was changed" in result.stderr
    exported = gridbot(tmp_path, "export", "-")
    assert "平谷区" not in exported.stdout


def test_bind_token_prints_a_single_use_token(tmp_path: Path) -> None:
    gridbot(tmp_path, "demo-data", "-o", "district.csv")
    gridbot(tmp_path, "db", "upgrade")
    gridbot(tmp_path, "import", "district.csv")
    result = gridbot(tmp_path, "bind-token", "PG-01-001-01")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith("BIND-")
    assert "single use" in result.stderr
    unknown = gridbot(tmp_path, "bind-token", "PG-99")
    assert unknown.returncode == 1 and "PG-99" in unknown.stderr
    # #11 item 5: a token issued for a staff member may move a group only where they cover.
    issued = gridbot(tmp_path, "bind-token", "PG-01-001-01", "--by", "930000001")
    assert issued.returncode == 0, issued.stderr
    foreign = gridbot(tmp_path, "bind-token", "PG-01-001-02", "--by", "930000001")
    assert foreign.returncode == 1
    assert foreign.stderr.strip() == "gridbot: user 930000001 is not staff covering PG-01-001-02"


def test_run_without_a_token_stops_with_one_clear_line(tmp_path: Path) -> None:
    result = gridbot(tmp_path, "run")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "gridbot: telegram.token: missing; set it in the config file or GRIDBOT_TOKEN "
        "(get one from @BotFather)"
    ]


def test_run_with_an_unknown_config_key_names_key_and_file(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('[telegram]\ntokn = "1:x"\n', encoding="utf-8")
    result = gridbot(tmp_path, "run")
    assert result.returncode == 2
    assert (
        result.stderr.strip() == "gridbot: config error in config.toml: telegram.tokn: unknown key"
    )


def test_run_refuses_an_out_of_date_schema_and_says_what_to_run(tmp_path: Path) -> None:
    env = {"GRIDBOT_TOKEN": "1:SECRETTOKEN", "GRIDBOT_API_BASE": "http://127.0.0.1:9"}
    result = gridbot(tmp_path, "run", env=env)
    assert result.returncode == 2
    assert "run `gridbot db upgrade` first" in result.stderr
    assert "SECRETTOKEN" not in result.stderr + result.stdout


def test_run_against_an_unreachable_server_fails_cleanly_without_the_token(
    tmp_path: Path,
) -> None:
    env = {"GRIDBOT_TOKEN": "1:SECRETTOKEN", "GRIDBOT_API_BASE": "http://127.0.0.1:9"}
    assert gridbot(tmp_path, "db", "upgrade").returncode == 0
    result = gridbot(tmp_path, "run", env={**env, "GRIDBOT_LOG_LEVEL": "DEBUG"})
    assert result.returncode == 1
    assert "bot stopped" in result.stderr
    assert "SECRETTOKEN" not in result.stderr + result.stdout


def test_classify_reads_lines_and_writes_json_lines(tmp_path: Path) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GRIDBOT_")}
    result = subprocess.run(
        [sys.executable, "-m", "cli.main", "classify"],
        input="我家漏水了，楼下都湿了\n大家早上好\n",
        cwd=tmp_path,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["category"] == "repair" and first["matched"]
    assert second["category"] == "none"
    assert (first["action"], second["action"]) == ("open", "ignore")
    assert 0.5 <= first["confidence"] <= 1 and 0.5 <= second["confidence"] <= 1


def test_classify_eval_prints_the_decision_figures(tmp_path: Path) -> None:
    rows = [
        "text\tcategory\tpriority",
        "楼下着火了，烟很大\tsafety\turgent",
        "大家早上好\tnone\tnormal",
    ]
    (tmp_path / "set.tsv").write_text("\n".join(rows) + "\n", "utf-8")
    for extra in ((), ("--dictionary-only",)):
        result = gridbot(tmp_path, "classify", "eval", "set.tsv", *extra)
        assert result.returncode == 0, result.stderr
        assert "confusion" in result.stdout and "false alarms" in result.stdout
        figures = json.loads(result.stdout.strip().splitlines()[-1])
        assert figures["urgent_recall"] == 1.0 and figures["false_alarm_rate"] == 0.0
    missing = gridbot(tmp_path, "classify", "eval", "nowhere.tsv")
    assert missing.returncode == 2 and "nowhere.tsv" in missing.stderr


def test_classify_with_a_broken_dictionary_says_what_is_wrong(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text("[categories.safety]\npriority = 'soon'\n", "utf-8")
    result = gridbot(tmp_path, "classify", "--dictionary", "bad.toml")
    assert result.returncode == 2
    assert "bad.toml" in result.stderr


def test_broadcast_queues_for_the_running_bot_and_lists_it(tmp_path: Path) -> None:
    gridbot(tmp_path, "demo-data", "-o", "district.csv")
    gridbot(tmp_path, "db", "upgrade")
    gridbot(tmp_path, "import", "district.csv")
    assert gridbot(tmp_path, "broadcasts").stdout.strip() == "no broadcasts yet"
    unknown = gridbot(tmp_path, "broadcast", "--to", "PG-99", "--text", "x", "--no-wait")
    assert unknown.returncode == 1 and "PG-99" in unknown.stderr
    empty = gridbot(tmp_path, "broadcast", "--to", "PG", "--no-wait")
    assert empty.returncode == 1 and "needs a text or a photo" in empty.stderr
    queued = gridbot(
        tmp_path,
        "broadcast",
        "--to",
        "PG-01",
        "--text",
        "明天停水通知",
        "--at",
        "2026-12-01T09:00+08:00",
    )
    assert queued.returncode == 0, queued.stderr
    assert queued.stdout.startswith("broadcast 1 queued for 0 groups")  # no group bound yet
    listing = gridbot(tmp_path, "broadcasts")
    assert listing.stdout.startswith("#1 ") and "明天停水通知" in listing.stdout
