"""Kill -9 the broadcast engine half way, start it again, and count what every group got.

    python bench/broadcast_crash.py [--groups 3170] [--rate 200] [--senders 16]
                                    [--database-url URL]

Set-up as bench/broadcast.py (fresh database, a district of N groups, one broadcast to all,
the emulator in this process). The emulator runs with its flood limits ON, at a global limit
of --rate messages/s (default 200, so that the run takes seconds rather than two minutes;
--rate 30 is Telegram's default) and 20/min per group; the engine runs at the same rate in a
child process. When the emulator has accepted half the groups' messages, the child gets
SIGKILL; a second child then recovers (rows found `sending` are the ones that were in flight:
counted as possibly duplicated and sent again) and finishes the broadcast.

Afterwards the emulator's per-chat counts say which groups got the message once, twice or
never, and the database says how many rows the engine reported as possibly duplicated. The
last line is one JSON object: groups, delivered_once, lost, duplicated,
reported_possible_duplicates (and details). It must hold that lost == 0 and
duplicated <= reported_possible_duplicates <= senders.
"""

# ruff: noqa: E402  (the path fix below must run before the project's imports)
from __future__ import annotations

import argparse
import asyncio
import gc
import json
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# `python bench/SCRIPT.py` puts bench/ first on sys.path, where stats.py and classify.py here
# would hide the packages they measure; the repository root goes first instead, so that the
# project, tests.support and the sibling scripts (as bench.*) import from a plain checkout.
ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

from bench.broadcast import (
    EngineProcess,
    build_database,
    emulator_with_groups,
)


async def database_figures(url: str, broadcast_id: int) -> dict[str, Any]:
    from broadcasts.service import broadcast_report
    from core.db import make_engine, make_session_factory

    engine = make_engine(url)
    try:
        async with make_session_factory(engine)() as session:
            report = await broadcast_report(session, broadcast_id)
    finally:
        await engine.dispose()
    return {
        "status": report.status.value,
        "delivered_rows": report.counts.delivered,
        "failed_rows": report.counts.failed,
        "possibly_duplicated": report.counts.possibly_duplicated,
    }


async def bench(args: argparse.Namespace, url: str) -> dict[str, Any]:
    groups, broadcast_id, _ = await build_database(url, args.groups)
    chats = [chat_id for _, chat_id, _ in groups]
    print(f"district: {len(groups)} groups; broadcast {broadcast_id}")
    async with emulator_with_groups(groups, True, args.rate) as (emu, _faults):
        stats = emu.runtime.stats
        print(f"emulator: limits on ({args.rate}/s, 20/min per group)")

        def sent() -> int:
            return sum(stats.sent_per_chat.values())

        gc.collect()  # the emulator must not stall on its set-up heap (see bench/broadcast.py)
        gc.freeze()
        started = time.perf_counter()
        first = EngineProcess(url, emu.base_url, args.rate, args.senders)
        await first.start()
        assert first.process is not None
        reading = asyncio.create_task(first.wait(lambda line: print(f"  run 1| {line}")))
        half = len(groups) // 2
        # The emulator's counters are plain numbers in this process: poll them.
        while sent() < half and not reading.done():  # noqa: ASYNC110
            await asyncio.sleep(0.005)
        killed_at = sent()
        if reading.done():
            raise SystemExit("the engine finished before it could be killed; use more --groups")
        first.process.send_signal(signal.SIGKILL)
        code = await reading
        print(f"SIGKILL at {killed_at} messages accepted (exit code {code})")
        await asyncio.sleep(0.2)  # requests the dead process had sent are answered by now
        at_restart = sent()
        second = EngineProcess(url, emu.base_url, args.rate, args.senders)
        await second.start()
        code = await second.wait(lambda line: print(f"  run 2| {line}"))
        if code != 0:
            raise SystemExit(f"the restarted engine exited with {code}")
        result = second.result()
        wall = time.perf_counter() - started
        per_chat = dict(stats.sent_per_chat)
        http_429 = stats.http_429
    figures = await database_figures(url, broadcast_id)
    counts = [per_chat.get(chat_id, 0) for chat_id in chats]
    duplicated = sum(1 for n in counts if n > 1)
    reported = figures["possibly_duplicated"]
    outcome = {
        "groups": len(groups),
        "delivered_once": sum(1 for n in counts if n == 1),
        "lost": sum(1 for n in counts if n == 0),
        "duplicated": duplicated,
        "reported_possible_duplicates": reported,
        "senders": args.senders,
        "killed_at_sent": killed_at,
        "sent_before_restart": at_restart,
        "recovered_in_flight": result["recovered_in_flight"],
        "db_delivered_rows": figures["delivered_rows"],
        "db_status": figures["status"],
        "http_429": http_429,
        "rate": args.rate,
        "wall_s": round(wall, 2),
        "ok": duplicated <= reported <= args.senders
        and figures["delivered_rows"] == len(groups)
        and all(n >= 1 for n in counts),
    }
    return outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=3170)
    parser.add_argument("--rate", type=int, default=200, help="emulator's and engine's limit/s")
    parser.add_argument("--senders", type=int, default=16)
    parser.add_argument("--database-url", help="an empty database (default: temp SQLite)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="gridbot-crash-") as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{tmp}/broadcast.db"
        result = asyncio.run(bench(args, url))
    print(json.dumps(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
