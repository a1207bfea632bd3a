"""`gridbot demo --console` as a newcomer uses it: the scenes play, then the console serves the
demo's data and prints a one-time link for the district official; the link logs a browser in
(here aiohttp's client, keeping cookies as a browser does), and Ctrl-C ends it all cleanly."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sys
from pathlib import Path

from aiohttp import ClientSession, CookieJar

LINK = re.compile(r"^http://127\.0\.0\.1:\d+/login/[\w-]+$")
WAIT = 240.0  # seconds for the scenes to play on a busy machine


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def read_until_link(out: asyncio.StreamReader, lines: list[str]) -> str:
    while line := (await out.readline()).decode():
        lines.append(line.rstrip("\n"))
        if LINK.match(lines[-1]):
            return lines[-1]
    raise AssertionError("the demo ended without a login link:\n" + "\n".join(lines[-20:]))


async def test_the_demo_leaves_the_console_running_with_a_login_link(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDBOT_")}
    env |= {
        "GRIDBOT_CONSOLE__PORT": str(port),
        "GRIDBOT_CONSOLE__PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-u", "-m", "cli.main", "demo", "--console",
        cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    assert process.stdout is not None
    lines: list[str] = []
    try:
        link = await asyncio.wait_for(read_until_link(process.stdout, lines), WAIT)
        out = "\n".join(lines)
        assert "== demo finished" in out
        assert "== log in as 黄静 (区级干部, D0001)" in out
        async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as browser:  # an IP host
            confirm = await browser.get(link)
            assert confirm.status == 200 and "data-autosubmit" in await confirm.text()
            home = await browser.post(link)  # the page's form, then the redirect to 总览
            html = await home.text()
            assert home.status == 200 and str(home.url) == f"http://127.0.0.1:{port}/"
            assert "黄静" in html and "退出登录" in html
            tickets = await browser.get(f"http://127.0.0.1:{port}/tickets")
            assert "我家厨房水管漏水了" in await tickets.text()  # the scenes' ticket
            again = await browser.post(link)
            assert again.status == 410  # single use
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)  # Ctrl-C
        rest, _ = await asyncio.wait_for(process.communicate(), 60)
    after = rest.decode()
    assert process.returncode == 0, "\n".join(lines[-10:]) + after
    assert "== the demo database is kept:" in after
    assert "Traceback" not in after
