"""A newcomer's mistakes at the command line: each one answered by one line, no traceback."""

from __future__ import annotations

import argparse
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli.main import build_parser
from core.config import load_settings
from tests.test_cli import gridbot

PG = "postgresql+asyncpg://127.0.0.1:5432"
RESOLVE = "resolve_minutes = 60\n"


def assert_one_clear_line(stderr: str, *words: str) -> None:
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("gridbot: ")
    for word in words:
        assert word in lines[0]


@pytest.mark.parametrize(
    ("url", "words"),
    [
        (f"{PG}/no_such_database_here", ['database "no_such_database_here" does not exist']),
        ("postgresql+asyncpg://127.0.0.1:9/test", ["127.0.0.1:9", "Connect call failed"]),
        ("postgresql+asyncpg://nobody_here@127.0.0.1:5432/test", ['role "nobody_here"']),
        ("sqlite:///", ["database.url", "sqlite+aiosqlite:///gridbot.db"]),
        ("mysql://root@localhost/gridbot", ["database.url", "mysql is not supported"]),
        ("foo", ["database.url", "not a database URL"]),
        ("postgresql+asyncpg://me:hunter2@127.0.0.1:9/test", ["me:***@"]),
    ],
)
def test_a_bad_database_url_is_one_line(tmp_path: Path, url: str, words: list[str]) -> None:
    result = gridbot(tmp_path, "db", "upgrade", env={"GRIDBOT_DATABASE_URL": url})
    assert result.returncode == 2
    assert_one_clear_line(result.stderr, *words)
    assert "hunter2" not in result.stderr


def test_a_database_file_in_a_folder_that_cannot_exist_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    url = f"sqlite+aiosqlite:///{tmp_path}/a-file/gridbot.db"
    for command in (["db", "upgrade"], ["db", "current"], ["bind-token", "PG-01"], ["run"]):
        result = gridbot(
            tmp_path, *command, env={"GRIDBOT_DATABASE_URL": url, "GRIDBOT_TOKEN": "1:A"}
        )
        assert result.returncode == 2, command
        assert_one_clear_line(result.stderr, "a-file does not exist", "check database.url")


def test_urls_without_the_async_driver_are_rewritten_to_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GRIDBOT_DATABASE_URL", "postgresql://bot:pw@db.local/gridbot")
    assert load_settings().database.url == "postgresql+asyncpg://bot:pw@db.local/gridbot"
    monkeypatch.setenv("GRIDBOT_DATABASE_URL", "sqlite:///gridbot.db")
    assert load_settings().database.url == "sqlite+aiosqlite:///gridbot.db"


def test_an_sqlite_url_without_the_driver_upgrades_the_file(tmp_path: Path) -> None:
    result = gridbot(tmp_path, "db", "upgrade", env={"GRIDBOT_DATABASE_URL": "sqlite:///x.db"})
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "x.db").exists()


def test_a_malformed_token_is_one_line_naming_the_key(tmp_path: Path) -> None:
    result = gridbot(tmp_path, "run", env={"GRIDBOT_TOKEN": "notatoken"})
    assert result.returncode == 2
    assert_one_clear_line(result.stderr, "telegram.token", "not a bot token")
    assert "notatoken" not in result.stderr


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ("[tickets.sla.urgent]\nclaim_minuts = 5\nresolve_minutes = 60\n", "urgent.claim_minuts"),
        (
            '[tickets.sla.urgent]\nclaim_minutes = "5m"\nresolve_minutes = 60\n',
            "urgent.claim_minutes",
        ),
        ("[tickets.sla.urgent]\nresolve_minutes = 60\n", "urgent.claim_minutes"),
        ("[tickets.sla.urgnt]\nclaim_minutes = 5\nresolve_minutes = 60\n", "urgnt"),
    ],
)
def test_a_mistake_in_a_nested_config_section_blames_the_file_and_key(
    tmp_path: Path, section: str, key: str
) -> None:
    (tmp_path / "my.toml").write_text(section, encoding="utf-8")
    result = gridbot(tmp_path, "db", "current", "--config", "my.toml")
    assert result.returncode == 2
    assert_one_clear_line(result.stderr, "config error in my.toml", f"tickets.sla.{key}")
    assert "GRIDBOT_" not in result.stderr


def every_command(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*path, name), sub
                yield from every_command(sub, (*path, name))


def test_every_command_has_a_description_and_takes_config_after_its_name() -> None:
    commands = list(every_command(build_parser()))
    assert len(commands) >= 15
    for path, parser in commands:
        assert parser.description, f"gridbot {' '.join(path)} --help has no description"
        assert "--config" in parser.format_usage(), path


def test_config_after_the_command_is_read(tmp_path: Path) -> None:
    (tmp_path / "x.toml").write_text("[telegram]\ntokn = 1\n", encoding="utf-8")
    for command in (["run"], ["db", "upgrade"], ["broadcasts"], ["stats"]):
        result = gridbot(tmp_path, *command, "--config", "x.toml")
        assert result.returncode == 2, command
        assert_one_clear_line(result.stderr, "config error in x.toml: telegram.tokn")


def test_a_read_only_database_is_one_line(tmp_path: Path) -> None:
    sqlite3.connect(tmp_path / "old.db").execute("CREATE TABLE t (x)").connection.commit()
    url = "sqlite+aiosqlite:///file:old.db?mode=ro&uri=true"
    result = gridbot(tmp_path, "db", "upgrade", env={"GRIDBOT_DATABASE_URL": url})
    assert result.returncode == 2
    assert_one_clear_line(result.stderr, "readonly database")
