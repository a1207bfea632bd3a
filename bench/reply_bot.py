"""The bot's side of bench/reply_latency.py: its database, and the bot in its own process.

    python bench/reply_bot.py --database-url URL --api-base URL

Runs the real bot (bot.runtime.BotRuntime, long polling) against the Bot API at --api-base on an
already migrated and seeded database, with the default settings except [tickets]
duplicate_window_minutes = 0 (every report opens a ticket of its own). It prints `ready` once
polling has started and runs until its stdin closes (the parent ends, or `BotProcess.stop()`);
then its last line is JSON: the send budget's rate and the 429 pauses it took.

`build_database` (the parent calls it first) migrates an empty database and seeds a district:
one bound group and one grid worker per micro-grid. `BotProcess` is the parent's handle on the
child: the bot's CPU is not the emulator's, as Telegram's servers are not the bot's, so neither
delays the other's answers or the bench's stamps.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parent.parent))  # the packages before bench/ (bench/stats.py)

TOKEN = "123456:BENCH-TOKEN"


async def serve_bot(url: str, api_base: str) -> dict[str, Any]:
    """Run the bot until stdin closes; return its send budget's figures."""
    from bot.runtime import BotRuntime
    from core.config import Settings
    from core.logsetup import setup_logging

    setup_logging("WARNING", [TOKEN])
    settings = Settings(
        telegram={"api_base": api_base, "token": TOKEN},
        database={"url": url},
        tickets={"duplicate_window_minutes": 0},
    )
    runtime = BotRuntime(settings)
    await runtime.start_polling()
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await runtime.stop()
    return {"budget_rate": runtime.budget.per_second, "budget_pauses": runtime.budget.pauses}


async def build_database(url: str, groups: int) -> dict[int, tuple[int, str]]:
    """Migrate an empty database, seed the district; {group chat id: (worker id, name)}."""
    from sqlalchemy import func, select
    from sqlmodel import col

    from core.db import make_engine, make_session_factory, session_scope, upgrade
    from models.groups import Group
    from models.people import Person, Role, RoleKind
    from models.tree import Node
    from tests.support.broadcasts import seed_district

    engine = make_engine(url)
    try:
        await upgrade(engine)
        async with session_scope(make_session_factory(engine)) as session:
            if await session.scalar(select(func.count()).select_from(Node)):
                raise SystemExit("the database is not empty; give an empty one")
            await seed_district(session, groups, with_staff=True)
            rows = await session.execute(
                select(col(Group.chat_id), col(Person.telegram_user_id), col(Person.name))
                .join(Role, col(Role.node_id) == col(Group.node_id))
                .join(Person, col(Person.id) == col(Role.person_id))
                .where(col(Role.kind) == RoleKind.grid_worker)
            )
            return {int(chat): (int(user or 0), name) for chat, user, name in rows.all()}
    finally:
        await engine.dispose()


class BotProcess:
    """This file as a child process; its output lines are echoed, its last one is JSON."""

    def __init__(self, url: str, api_base: str) -> None:
        self.argv = [sys.executable, str(HERE), "--database-url", url, "--api-base", api_base]
        self.ready = asyncio.Event()
        self.last_line = ""

    async def start(self, timeout: float = 60.0) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = await asyncio.create_subprocess_exec(
            *self.argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env=env
        )
        self.reader = asyncio.create_task(self._read())
        await asyncio.wait_for(self.ready.wait(), timeout)
        if self.last_line != "ready":
            raise SystemExit(f"the bot process did not start (exit code {self.proc.returncode})")

    async def _read(self) -> None:
        assert self.proc.stdout is not None
        async for raw in self.proc.stdout:
            self.last_line = raw.decode().strip()
            print(f"  bot| {self.last_line}", flush=True)
            self.ready.set()
        await self.proc.wait()
        self.ready.set()  # ended without a word: start() says so

    async def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as a crash or an out-of-memory kill."""
        self.proc.kill()
        await self.reader

    async def stop(self, timeout: float = 30.0) -> dict[str, Any]:
        """Close its stdin, wait for it to end; its figures (empty if it gave none)."""
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            await asyncio.wait_for(self.proc.wait(), timeout)
        except TimeoutError:
            self.proc.kill()
        await self.reader
        result: dict[str, Any] = json.loads(self.last_line) if "{" in self.last_line else {}
        return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--api-base", required=True)
    args = parser.parse_args(argv)
    print(json.dumps(asyncio.run(serve_bot(args.database_url, args.api_base))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
