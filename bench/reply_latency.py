"""How fast the bot answers residents in their groups: a steady load, then a burst.

    python bench/reply_latency.py [--groups 50] [--rate 5] [--steady-seconds 60]
                                  [--burst 500] [--wait 60] [--database-url URL]

Builds a fresh database (default: a SQLite file in a temporary directory; a given URL must point
at an empty database, which the bench migrates to head) with a district of --groups micro-grids,
each with its grid worker and one bound group. A Bot API emulator in this process holds the
groups, with Telegram's limits on (30 messages/s per bot, 20/min per group). The real bot
(BotRuntime, long polling, default settings but [tickets] duplicate_window_minutes = 0, so that
every report opens a ticket of its own) runs in a child process (bench/reply_bot.py), so that
its CPU does not delay the emulator or the stamps. The grid workers /start a private chat with
the bot first, so every ticket also sends its worker a DM (a second send from the same budget).

Residents then post problem reports (varied wording and categories; each opens a ticket, and
the bot replies in the group with reply_to_message_id on the report): --rate messages/s in total,
round robin over the groups, for --steady-seconds; then --burst messages across the groups as
fast as the control API takes them. Every emulator event is stamped (time.monotonic, this
process) as the control API's long poll hands it out; a reply's latency is its stamp minus the
report's. burst_clear_s runs from the first burst post to the last burst reply; burst_bound_s is
the bot's sends in that span (replies and DMs) ÷ the send budget's rate ([broadcasts]
global_per_second) + 2 s. After the last post the bench waits up to --wait s for the replies.
Keep a run under 5 minutes: then urgent tickets pass their claim deadline ([tickets.sla]) and
the sweep's escalation notice, a reply to the report too, would count as a duplicate.

The last line is JSON: messages, replies (bot messages replying to a report), missing (reports
without a reply), duplicated (reports with more than one), p50_ms, p95_ms, p99_ms (steady phase),
burst_clear_s, and details (burst_bound_s, send_rate, the 429s the emulator answered, ...).
Goals (goals_met): missing 0, duplicated 0, p95 <= 300 ms and p99 <= 1000 ms in the steady
phase, burst_clear_s <= burst_bound_s.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import math
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

# reply_bot (bench/, beside this file) first: it puts the packages before bench/ on sys.path.
from reply_bot import TOKEN, BotProcess, build_database
from reply_residents import Post, Residents, populate

from core.config import BroadcastSettings
from emulator import BotAPIEmulator, EmulatorClient

# --- the stamps of the emulator's events ---------------------------------------------------


@dataclass
class Stamps:
    """Every message event the emulator logs, stamped as the control API hands it out."""

    at: dict[tuple[int, int], float] = field(default_factory=dict)  # (chat, message) -> t
    bot_sends: list[float] = field(default_factory=list)
    bot_in_chat: defaultdict[int, int] = field(default_factory=lambda: defaultdict(int))
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    seq: int = 0

    async def follow(self, client: EmulatorClient) -> None:
        while True:
            events = await client.events(self.seq, timeout=5.0)
            now = time.monotonic()
            for event in events:
                self.seq = max(self.seq, event["seq"])
                if event["kind"] == "message":
                    self.at[(event["chat_id"], event["message_id"])] = now
                    if event["from_is_bot"]:
                        self.bot_sends.append(now)
                        self.bot_in_chat[event["chat_id"]] += 1
            self.changed.set()

    async def until(self, done: Callable[[], bool], timeout: float) -> bool:
        """Wait (at most `timeout` s) until `done()` holds after some batch of events."""
        deadline = time.monotonic() + timeout
        while not done() and (left := deadline - time.monotonic()) > 0:
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), left)
        return done()

    def in_chats(self, chats: Iterable[int]) -> int:
        return sum(self.bot_in_chat[c] for c in chats)


# --- figures --------------------------------------------------------------------------------


def goals_met(result: dict[str, Any]) -> bool:
    p95, p99 = result["p95_ms"], result["p99_ms"]
    return bool(
        result["missing"] == result["duplicated"] == 0
        and (p95 is None or p95 <= 300)
        and (p99 is None or p99 <= 1000)
        and result["burst_clear_s"] <= result["burst_bound_s"]
    )


def percentile_ms(values: list[float], p: float) -> float | None:
    """Nearest rank."""
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(p * len(ordered)) - 1)] * 1000, 1) if ordered else None


def figures(
    posts: list[Post], replies: dict[tuple[int, int], list[int]], stamps: Stamps, rate: int
) -> dict[str, Any]:
    latency: dict[bool, list[float]] = {False: [], True: []}
    answered: list[float] = []
    for post in posts:
        ids = replies.get((post.chat_id, post.message_id), [])
        reply_at = stamps.at.get((post.chat_id, min(ids))) if ids else None
        if reply_at is not None:
            asked = stamps.at.get((post.chat_id, post.message_id), post.posted)
            latency[post.burst].append(reply_at - asked)
            answered += [reply_at] if post.burst else []
    burst = [p for p in posts if p.burst]
    first = min((p.posted for p in burst), default=0.0)
    last = max(answered, default=first)
    sends = sum(1 for t in stamps.bot_sends if first <= t <= last)
    return {
        "messages": len(posts),
        "replies": sum(len(ids) for ids in replies.values()),
        "missing": sum(1 for p in posts if not replies.get((p.chat_id, p.message_id))),
        "duplicated": sum(1 for p in posts if len(replies.get((p.chat_id, p.message_id), [])) > 1),
        **{f"p{p}_ms": percentile_ms(latency[False], p / 100) for p in (50, 95, 99)},
        "burst_clear_s": round(last - first, 2),
        "burst_bound_s": round(sends / rate + 2, 2),
        "burst_sends": sends,
        "send_rate": rate,
        "steady_messages": len(posts) - len(burst),
        "steady_max_ms": percentile_ms(latency[False], 1.0),
        "burst_messages": len(burst),
        **{f"burst_p{p}_ms": percentile_ms(latency[True], p / 100) for p in (50, 95)},
    }


async def replies_to(
    client: EmulatorClient, chats: list[int]
) -> tuple[dict[tuple[int, int], list[int]], int]:
    """(chat, resident's message id) -> the bot's messages replying to it; how many of those
    announce a new ticket (📝 已登记, not 已补充 / 已有居民反映)."""
    found: dict[tuple[int, int], list[int]] = defaultdict(list)
    opened = 0
    for chat_id in chats:
        for entry in await client.bot_messages(chat_id):
            if entry["reply_to_message_id"] is not None:
                found[(chat_id, entry["reply_to_message_id"])].append(entry["message_id"])
                opened += (entry["text"] or "").startswith("📝 已登记")
    return found, opened


# --- the run --------------------------------------------------------------------------------


async def load(args: argparse.Namespace, residents: Residents, stamps: Stamps) -> list[Post]:
    """The steady phase, the burst, and the wait for their replies."""
    chats = residents.chats
    posts = await residents.steady(args.rate, args.steady_seconds)
    print(f"steady: {len(posts)} posted; {stamps.in_chats(chats)} replies so far", flush=True)
    posts += await residents.burst(args.burst)
    print(f"burst: {args.burst} posted; {stamps.in_chats(chats)} replies so far", flush=True)
    await stamps.until(lambda: stamps.in_chats(chats) >= len(posts), args.wait)
    await asyncio.sleep(1.0)  # a late second reply would show up as duplicated
    return posts


async def bench(args: argparse.Namespace, url: str) -> dict[str, Any]:
    workers = await build_database(url, args.groups)
    chats, people = list(workers), [w for w, _ in workers.values()]
    emu = BotAPIEmulator(token=TOKEN, limits=True)  # Telegram's: 30/s, 20/min per group
    await emu.start()
    stamps, bot = Stamps(), BotProcess(url, emu.base_url)
    async with EmulatorClient(emu.base_url) as client, EmulatorClient(emu.base_url) as watch:
        residents = Residents(client, chats, await populate(client, workers))
        follower = asyncio.create_task(stamps.follow(watch))
        gc.collect()
        gc.freeze()  # no full collection of the set-up heap in the middle of the stamps
        await bot.start()
        for worker in people:
            await client.start_private(worker)
        reachable = await stamps.until(lambda: stamps.in_chats(people) >= len(people), 60)
        print(f"{len(chats)} groups; workers reachable: {reachable}", flush=True)
        posts = await load(args, residents, stamps)
        child = await bot.stop()
        (found, opened), stats = await replies_to(client, chats), await client.stats()
        follower.cancel()
    await emu.stop()
    rate = int(child.get("budget_rate", BroadcastSettings().global_per_second))
    result = figures(posts, found, stamps, rate)
    return result | {
        "goals_met": goals_met(result),
        "tickets_opened": opened,
        "groups": len(chats),
        "http_429": stats["http_429"],
        "budget_pauses": child.get("budget_pauses"),
        "workers_reachable": reachable,
        "emulator_limits": "on (30/s, 20/min per group)",
        "database": url.split(":", 1)[0],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=50)
    parser.add_argument("--rate", type=float, default=5.0, help="steady messages/s, in total")
    parser.add_argument("--steady-seconds", type=float, default=60.0)
    parser.add_argument("--burst", type=int, default=500, help="messages posted at once")
    parser.add_argument("--wait", type=float, default=60.0, help="s for replies after the posts")
    parser.add_argument("--database-url", help="an empty database (default: temp SQLite)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="gridbot-bench-") as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{tmp}/replies.db"
        result = asyncio.run(bench(args, url))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
