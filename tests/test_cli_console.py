"""`gridbot console-link` and `gridbot console`, run as an administrator would on the server."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from core.clock import Clock
from core.db import make_engine, make_session_factory, session_scope
from models.login_service import redeem_link
from tests.test_cli import gridbot

RESIDENT_ROW = "staff,PG-01-001-01,王秀英,,,R0001,resident,,,\n"


def a_district(tmp_path: Path) -> None:
    assert gridbot(tmp_path, "demo-data", "--grids", "8", "-o", "district.csv").returncode == 0
    with (tmp_path / "district.csv").open("a", encoding="utf-8") as file:
        file.write(RESIDENT_ROW)
    assert gridbot(tmp_path, "db", "upgrade").returncode == 0
    imported = gridbot(tmp_path, "import", "district.csv")
    assert imported.returncode == 0, imported.stderr


async def person_of(database: Path, token: str) -> int:
    engine = make_engine(f"sqlite+aiosqlite:///{database}")
    try:
        async with session_scope(make_session_factory(engine)) as session:
            return await redeem_link(session, token, Clock().now())
    finally:
        await engine.dispose()


def test_console_link_prints_a_working_link_for_staff_and_one_line_otherwise(
    tmp_path: Path,
) -> None:
    a_district(tmp_path)
    issued = gridbot(tmp_path, "console-link", "--person", "C0001")
    assert issued.returncode == 0, issued.stderr
    url = issued.stdout.strip()
    assert url.startswith("http://127.0.0.1:8080/login/") and "\n" not in url
    assert "single use; valid until" in issued.stderr
    assert asyncio.run(person_of(tmp_path / "gridbot.db", url.rsplit("/", 1)[1])) > 0

    unknown = gridbot(tmp_path, "console-link", "--person", "X9999")
    assert (unknown.returncode, unknown.stdout) == (1, "")
    assert unknown.stderr.strip() == "gridbot: no person with the key X9999"
    resident = gridbot(tmp_path, "console-link", "--person", "R0001")
    assert resident.returncode == 1
    assert resident.stderr.strip() == (
        "gridbot: R0001 (王秀英) holds no staff role; the console is for staff only"
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_gridbot_console_serves_the_login_page_until_stopped(tmp_path: Path) -> None:
    a_district(tmp_path)
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GRIDBOT_")}
    server = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "console"],
        cwd=tmp_path,
        env={**clean, "GRIDBOT_CONSOLE__PORT": str(port)},
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        page = ""
        deadline = time.monotonic() + 60
        while not page and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as r:
                    page = r.read().decode("utf-8")
            except OSError:
                time.sleep(0.2)
        assert "请通过机器人获取登录链接" in page
    finally:
        server.send_signal(signal.SIGTERM)
        _, errors = server.communicate(timeout=30)
    assert server.returncode == 0, errors
    assert f"web console on http://127.0.0.1:{port}/" in errors


def test_a_taken_console_port_is_one_line_naming_the_setting(tmp_path: Path) -> None:
    a_district(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = gridbot(tmp_path, "console", env={"GRIDBOT_CONSOLE__PORT": str(port)})
    assert result.returncode == 2
    last = result.stderr.splitlines()[-1]  # after the log lines of the start
    assert last.startswith(f"gridbot: [console] cannot listen on 127.0.0.1:{port} (")
    assert "address already in use" in last and "set another [console] port" in last
    assert "Traceback" not in result.stderr
