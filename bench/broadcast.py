"""One broadcast to a whole district through the real aiogram Bot against the emulator.

    python bench/broadcast.py [--groups 3170] [--rate 30] [--emulator-limits on|off]
                              [--database-url URL] [--senders N] [--no-warm-up]
                              [--kicked-percent 5] [--migrated-percent 1]

Builds a fresh database (default: a SQLite file in a temporary directory; a given URL must
point at an empty database, whose schema is migrated to head first), generates a district of
N micro-grids with one active group bound to each, starts a Bot API emulator in this process
(limits on: --emulator-rate/s global, default 30, and 20/min per group, like Telegram; off:
unlimited) holding the same groups with the bot as a member, and creates one broadcast to the
whole district.

The engine then runs in its own process (bench/engine_child.py), as it would in the bot: a
child Python that imports only the engine, bot/sender.py and aiogram, and sends through a real
aiogram Bot at --rate messages/s. So the emulator (standing in for Telegram's servers) does not
share the engine's CPU or memory; peak_rss_mb is the engine process's peak RSS (getrusage).
Like the bot at start-up, the engine process calls getMe, reads the schema revision and
freezes its start-up heap (gc.freeze) before the clock starts. The emulator's http_429 and
per-chat counts are read at the end.

By default the engine measures a running bot's broadcast: it first sends a warm-up broadcast
to one town (its HTTP connections open, its SQL statements compiled, as in a bot that has
sent before), waits for the send budget's windows to empty, and then the district broadcast,
held back until then with a scheduled time, is made due; wall_s is that broadcast's time from
the engine's next look for due broadcasts to its final report. --no-warm-up times a cold
start instead: the district broadcast from the engine process's start (recovery included) to
its final report. Faults (below) always run cold, so that no warm-up send meets them first.

As in the bot, the engine's limiter is the bot's send budget (bot/sending.py): the Bot's HTTP
session tells it when each request leaves, so a send's 1 s window runs from there (plus the
engine's safety margin) and the engine's claim of a row overlaps the wait for its slot. At
--rate R every 1 s window holds at most R sends as the server counts them, so N groups take at
least N // R windows of 1 s + margin, plus the time the engine needs to start the N % R left
(3,170 at 1,000/s: three windows and 170 sends); per_second exceeds R only by what the
windows' bursts gain over that. To see what the engine and the database can carry, give a
--rate above the target. --senders defaults to max(16, R // 30).

The last line of output is one JSON object: groups, wall_s, delivered, failed, http_429,
per_second, peak_rss_mb (and a few details). With --kicked-percent / --migrated-percent that
share of the groups answers 403 (bot kicked) / has become a supergroup, and the line adds how
many of the other groups got the message exactly once, how many migrated ones got it at their
new id, and how many failures the report names.
"""

# ruff: noqa: E402  (the path fix below must run before the project's imports)
from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import sys
import tempfile
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

# `python bench/SCRIPT.py` puts bench/ first on sys.path, where stats.py and classify.py here
# would hide the packages they measure; the repository root goes first instead, so that the
# project, tests.support and the sibling scripts (as bench.*) import from a plain checkout.
ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

from bench.engine_child import HERE as CHILD
from bench.engine_child import TOKEN, peak_rss_mb

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from emulator import BotAPIEmulator, EmulatorClient

TEXT = "【平谷区通知】明日（周三）8:00–18:00 全区例行停水检修，请各网格提前通知居民储水。"
WARM_UP_TEXT = "【平谷区】系统消息测试，请忽略。"


# --- the parent: database, emulator, one broadcast ------------------------------------------


@dataclass
class WarmUp:
    """The town the warm-up broadcast goes to, and the district broadcast it holds back."""

    held_back: int
    chat_ids: set[int]


async def build_database(
    url: str, groups: int, *, warm_up: bool = False
) -> tuple[list[tuple[int, int, str]], int, WarmUp | None]:
    """Migrate an empty database, seed the district and its groups, create the broadcast
    (and, with `warm_up`, a warm-up broadcast to the first town, the district one held back).

    Returns the groups (group id, chat id, title), the broadcast id and the warm-up."""
    from sqlalchemy import func, select
    from sqlmodel import col

    from broadcasts.service import create_broadcast
    from core.db import make_engine, make_session_factory, session_scope, upgrade
    from models.tree import Node
    from tests.support.broadcasts import seed_district

    engine = make_engine(url)
    try:
        await upgrade(engine)
        factory = make_session_factory(engine)
        async with factory() as session:
            existing = await session.scalar(select(func.count()).select_from(Node))
        if existing:
            raise SystemExit(f"the database is not empty ({existing} nodes); give an empty one")
        async with session_scope(factory) as session:
            seeded = await seed_district(session, groups, with_staff=False)
            root = await session.scalar(select(col(Node.id)).where(col(Node.parent_id).is_(None)))
            assert root is not None
            later = datetime.now(UTC) + timedelta(days=1) if warm_up else None
            broadcast = await create_broadcast(
                session, node_id=int(root), text=TEXT, scheduled_at=later
            )
            assert broadcast.id is not None
            town = await create_warm_up(session, broadcast.id) if warm_up else None
    finally:
        await engine.dispose()
    return seeded, broadcast.id, town


async def create_warm_up(session: AsyncSession, held_back: int) -> WarmUp:
    """A broadcast to the first town, due now; the chats it goes to."""
    from sqlalchemy import select
    from sqlmodel import col

    from broadcasts.service import create_broadcast
    from models.groups import Group
    from models.tree import Level, Node

    town = await session.scalar(
        select(Node).where(col(Node.level) == Level.town).order_by(col(Node.code)).limit(1)
    )
    assert town is not None and town.id is not None
    await create_broadcast(session, node_id=town.id, text=WARM_UP_TEXT)
    chats = await session.scalars(
        select(col(Group.chat_id))
        .join(Node, col(Node.id) == col(Group.node_id))
        .where(col(Node.lineage).startswith(town.lineage))
    )
    return WarmUp(held_back, {int(c) for c in chats})


@dataclass
class Faults:
    """Groups the emulator answers 403 (bot kicked) or 400 migrate_to_chat_id for."""

    kicked: set[int] = field(default_factory=set)
    migrated: dict[int, int] = field(default_factory=dict)  # old chat id -> new chat id


def every_nth(chat_ids: Sequence[int], percent: float, offset: int) -> list[int]:
    """About `percent` % of the chats, spread evenly (deterministic, so runs compare)."""
    if percent <= 0:
        return []
    step = max(1, round(100 / percent))
    return list(chat_ids[offset::step])


async def inject_faults(
    client: EmulatorClient, chat_ids: Sequence[int], kicked_pct: float, migrated_pct: float
) -> Faults:
    faults = Faults()
    for chat_id in every_nth(chat_ids, kicked_pct, 0):
        await client.set_fault(chat_id, "kicked")
        faults.kicked.add(chat_id)
    for chat_id in every_nth(chat_ids, migrated_pct, 7):
        if chat_id not in faults.kicked:
            answer = await client.set_fault(chat_id, "migrate")
            faults.migrated[chat_id] = int(answer["migrated_to"])
    return faults


@asynccontextmanager
async def emulator_with_groups(
    groups: Sequence[tuple[int, int, str]],
    limits: bool,
    global_per_second: int,
    faults: tuple[float, float] = (0.0, 0.0),
) -> AsyncIterator[tuple[BotAPIEmulator, Faults]]:
    from emulator import BotAPIEmulator, EmulatorClient

    emu = BotAPIEmulator(token=TOKEN, limits=limits, global_per_second=global_per_second)
    await emu.start()
    try:
        async with EmulatorClient(emu.base_url) as client:
            semaphore = asyncio.Semaphore(32)

            async def one(chat_id: int, title: str) -> None:
                async with semaphore:
                    await client.create_group(title, id=chat_id, bot_status="member")

            await asyncio.gather(*(one(chat_id, title) for _, chat_id, title in groups))
            injected = await inject_faults(client, [c for _, c, _ in groups], *faults)
        yield emu, injected
    finally:
        await emu.stop()


class EngineProcess:
    """The engine in a child process; its output lines are echoed, its last one is JSON."""

    def __init__(
        self,
        database_url: str,
        api_base: str,
        rate: int,
        senders: int,
        release: int | None = None,
    ) -> None:
        self.argv = [
            sys.executable,
            str(CHILD),
            "--database-url",
            database_url,
            "--api-base",
            api_base,
            "--rate",
            str(rate),
            "--senders",
            str(senders),
            *(["--release", str(release)] if release is not None else []),
        ]
        self.process: asyncio.subprocess.Process | None = None
        self.last_line = ""

    async def start(self) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.process = await asyncio.create_subprocess_exec(
            *self.argv, stdout=asyncio.subprocess.PIPE, env=env
        )

    async def wait(self, echo: Callable[[str], None] = print) -> int:
        assert self.process is not None and self.process.stdout is not None
        async for raw in self.process.stdout:
            line = raw.decode().rstrip()
            if line:
                self.last_line = line
                echo(f"  engine| {line}")
        return await self.process.wait()

    def result(self) -> dict[str, Any]:
        try:
            parsed: dict[str, Any] = json.loads(self.last_line)
        except ValueError as exc:
            raise SystemExit(f"the engine process gave no result: {self.last_line!r}") from exc
        return parsed


async def bench(args: argparse.Namespace, url: str) -> dict[str, Any]:
    limits = args.emulator_limits == "on"
    faulty = args.kicked_percent > 0 or args.migrated_percent > 0
    warm = args.warm_up and not faulty
    groups, broadcast_id, warm_up = await build_database(url, args.groups, warm_up=warm)
    print(f"database: {url.split('@')[-1]}")
    print(f"district: {len(groups)} groups bound to micro-grids; broadcast {broadcast_id}")
    if warm_up is not None:
        print(f"warm-up: one town, {len(warm_up.chat_ids)} groups, first")
    wanted = (args.kicked_percent, args.migrated_percent)
    async with emulator_with_groups(groups, limits, args.emulator_rate, wanted) as (emu, faults):
        print(
            f"emulator: {emu.base_url} limits "
            + (f"on ({args.emulator_rate}/s, 20/min per group)" if limits else "off")
        )
        print(f"engine: {args.rate}/s, {args.senders} senders, in a child process")
        release = warm_up.held_back if warm_up is not None else None
        # The emulator stands in for Telegram's servers. A full garbage collection of this
        # process's set-up heap stalls its event loop for ~0.15 s; requests that queued meanwhile
        # are then stamped almost together, as if they had arrived so, and a window can count
        # one too many. Freeze that heap, as the engine process does its own.
        gc.collect()
        gc.freeze()
        child = EngineProcess(url, emu.base_url, args.rate, args.senders, release)
        await child.start()
        code = await child.wait()
        if code != 0:
            raise SystemExit(f"the engine process exited with {code}")
        result = child.result()
        stats = emu.runtime.stats
    sent = dict(stats.sent_per_chat)
    for chat_id in warm_up.chat_ids if warm_up is not None else ():
        sent[chat_id] -= 1  # the warm-up's message; what is left is the district broadcast's
    per_chat = [n for n in sent.values() if n > 0]
    wall = float(result["wall_s"])
    return fault_figures(groups, faults, sent, result) | {
        "groups": len(groups),
        "wall_s": round(wall, 2),
        "delivered": result["delivered"],
        "failed": result["failed"],
        "http_429": stats.http_429,
        "per_second": round(result["delivered"] / wall, 1) if wall else 0.0,
        "peak_rss_mb": result["peak_rss_mb"],
        "start_rss_mb": result["start_rss_mb"],
        "rate": args.rate,
        "senders": args.senders,
        "emulator_limits": args.emulator_limits,
        "database": url.split(":", 1)[0],
        "warm_up_groups": result.get("warm_up_delivered", 0),
        "chats_reached": len(per_chat),
        "chats_with_more_than_one": sum(1 for n in per_chat if n > 1),
        "bench_process_rss_mb": peak_rss_mb(),
    }


def fault_figures(
    groups: Sequence[tuple[int, int, str]],
    faults: Faults,
    sent_per_chat: dict[int, int],
    result: dict[str, Any],
) -> dict[str, Any]:
    """With faults injected: did every other group get it once, and were the rest reported?"""
    if not faults.kicked and not faults.migrated:
        return {}
    others = [c for _, c, _ in groups if c not in faults.kicked and c not in faults.migrated]
    return {
        "kicked": len(faults.kicked),
        "migrated": len(faults.migrated),
        "others_delivered_once": sum(1 for c in others if sent_per_chat.get(c) == 1),
        "others": len(others),
        "migrated_reached_at_new_id": sum(
            1 for new in faults.migrated.values() if sent_per_chat.get(new) == 1
        ),
        "failures_reported": result["failures_reported"],
    }


# --- command line ---------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=3170)
    parser.add_argument("--rate", type=int, default=30, help="engine's global messages/s")
    parser.add_argument("--emulator-limits", choices=("on", "off"), default="on")
    parser.add_argument("--emulator-rate", type=int, default=30, help="emulator's global limit")
    parser.add_argument("--database-url", help="an empty database (default: temp SQLite)")
    parser.add_argument("--senders", type=int, help="concurrent sends (max(16, rate // 30))")
    parser.add_argument("--kicked-percent", type=float, default=0.0, help="groups answering 403")
    parser.add_argument("--migrated-percent", type=float, default=0.0, help="groups migrated")
    parser.add_argument(
        "--warm-up",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="time a running engine's broadcast after a warm-up to one town (default)",
    )
    args = parser.parse_args(argv)
    if args.senders is None:
        args.senders = max(16, args.rate // 30)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="gridbot-bench-") as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{tmp}/broadcast.db"
        result = asyncio.run(bench(args, url))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
