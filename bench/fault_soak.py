"""Residents' reports under every fault at once: what is lost, missing or sent twice.

    python bench/fault_soak.py [--groups 100] [--messages 2000] [--seconds 300]
                               [--kill-at 60,180] [--db-kill-every 30] [--wait 240]
                               [--database-url URL]

The real bot (bench/reply_bot.py, long polling, its own process) runs on PostgreSQL (a fresh
database `gridbot_soak_<random>` on 127.0.0.1:5432, dropped at the end; or --database-url, an
empty one) against the Bot API emulator in this process, with Telegram's limits on (30/s,
20/min per group). A district of --groups micro-grids, each with a bound group, three residents
and a grid worker who opened the private chat. Residents post --messages reports, round robin,
evenly over --seconds (6.7 a second by default), while:
- 5 % of the chats (groups and workers' private chats) answer 429 (retry_after 3 s, twice) at
  a random moment; 2 % of all the bot's chat calls answer 500, at random (seeded);
- 1 % of the chats answer 403: one worker has blocked the bot from the start, and the bot is
  removed from one group half-way (its later posts never reach the bot);
- every --db-kill-every s all of the bot's database connections are terminated
  (pg_terminate_backend), as a database restart or a network cut would;
- at each of --kill-at (s after the first post) the bot gets SIGKILL and is started again.

The faults end with the posting; the bench then waits up to --wait s for the replies (the bot
catching up on what the faults held back), then stops the bot. The last
line is JSON: messages (posted), tickets, lost_tickets (reports the bot received without a
ticket), replies_missing (received reports, in groups the bot is still in, without a 📝 已登记
reply), replies_duplicated (reports with more than one), reported_possible_duplicates (outbox
rows the bot flagged as possibly sent twice after a crash), max_reply_delay_s, and details.
Goal: lost_tickets 0, replies_missing 0, replies_duplicated <= reported_possible_duplicates.
Loopback only; about 8 minutes with the defaults (bounded: --seconds + --wait + start-up).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
import uuid
from typing import Any

# reply_bot (bench/, beside this file) first: it puts the packages before bench/ on sys.path.
from reply_bot import TOKEN, BotProcess, build_database
from reply_latency import Stamps
from reply_residents import Post, Residents, populate
from soak_faults import Chaos, count_rows, drop_database, fresh_database

from emulator import BotAPIEmulator, EmulatorClient


async def post_all(residents: Residents, count: int, seconds: float) -> list[Post]:
    start, tasks = time.monotonic(), []
    for n in range(count):
        await asyncio.sleep(max(0.0, start + n * seconds / count - time.monotonic()))
        tasks.append(asyncio.create_task(residents.post(False)))
    return list(await asyncio.gather(*tasks))


async def kill_and_restart(bot: BotProcess, url: str, api: str, at: list[float]) -> BotProcess:
    """SIGKILL the bot at each moment (s from now) and start a new one at once."""
    start = time.monotonic()
    for moment in at:
        await asyncio.sleep(max(0.0, start + moment - time.monotonic()))
        print(f"SIGKILL the bot at {moment:.0f} s", flush=True)
        await bot.kill()
        bot = await started(url, api)
    return bot


async def started(url: str, api: str, attempts: int = 3) -> BotProcess:
    """A new bot process; a start that meets a cut database connection is tried again."""
    for attempt in range(1, attempts + 1):
        bot = BotProcess(url, api)
        try:
            await bot.start()
            return bot
        except SystemExit:
            if attempt == attempts:
                raise
            print("the bot did not start; starting it again", flush=True)
    raise AssertionError("unreachable")


async def registered(client: EmulatorClient, chats: list[int]) -> dict[tuple[int, int], list[int]]:
    """(chat, report) -> the bot's 📝 已登记 replies to it (not notices such as ℹ️ 尚未开通)."""
    found: dict[tuple[int, int], list[int]] = {}
    for chat_id in chats:
        for entry in await client.bot_messages(chat_id):
            if entry["reply_to_message_id"] and (entry["text"] or "").startswith("📝 已登记"):
                key = (chat_id, entry["reply_to_message_id"])
                found.setdefault(key, []).append(entry["message_id"])
    return found


async def duplicated_examples(
    client: EmulatorClient, found: dict[tuple[int, int], list[int]]
) -> list[list[str]]:
    """The texts of up to three replies sent twice, for the reader of a failed run."""
    twice = [(chat, ids) for (chat, _), ids in found.items() if len(ids) > 1][:3]
    examples = []
    for chat, ids in twice:
        texts = {m["message_id"]: m["text"] or "" for m in await client.bot_messages(chat)}
        examples.append([texts.get(i, "")[:40] for i in ids])
    return examples


async def until_replied(
    client: EmulatorClient,
    stamps: Stamps,
    chats: list[int],
    wanted: set[tuple[int, int]],
    gone: set[int],
    wait: float,
) -> None:
    """Wait (at most `wait` s) until every received report in a group the bot is still in
    has its 📝 已登记 reply."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        found = await registered(client, [c for c in chats if c not in gone])
        if all(k in found for k in wanted if k[0] not in gone):
            return
        await stamps.until(lambda: False, min(2.0, max(0.0, deadline - time.monotonic())))


def summary(
    posts: list[Post],
    received: dict[tuple[int, int], bool],
    stamps: Stamps,
    found: dict[tuple[int, int], list[int]],
    ticketed: set[tuple[int, int]],
    gone: set[int],
) -> dict[str, Any]:
    keys = [(p.chat_id, p.message_id) for p in posts if received[(p.chat_id, p.message_id)]]
    expect = [k for k in keys if k[0] not in gone]
    delays = [
        stamps.at[(k[0], min(found[k]))] - stamps.at.get(k, 0.0)
        for k in expect
        if found.get(k) and (k[0], min(found[k])) in stamps.at
    ]
    return {
        "messages": len(posts),
        "received": len(keys),
        "tickets": len(ticketed),
        "lost_tickets": sum(1 for k in keys if k not in ticketed),
        "replies_missing": sum(1 for k in expect if not found.get(k)),
        "replies_duplicated": sum(1 for k in keys if len(found.get(k, [])) > 1),
        "max_reply_delay_s": round(max(delays, default=0.0), 2),
    }


async def soak(args: argparse.Namespace, url: str) -> dict[str, Any]:
    workers = await build_database(url, args.groups)
    chats, people = list(workers), [w for w, _ in workers.values()]
    emu = BotAPIEmulator(token=TOKEN, limits=True)
    await emu.start()
    rng, stamps = random.Random(7), Stamps()
    async with EmulatorClient(emu.base_url) as client, EmulatorClient(emu.base_url) as watch:
        residents = Residents(client, chats, await populate(client, workers))
        follower = asyncio.create_task(stamps.follow(watch))
        bot = await started(url, emu.base_url)
        for worker in people:
            await client.start_private(worker)
        await stamps.until(lambda: stamps.in_chats(people) >= len(people), 60)
        chaos = Chaos(client, url, rng, chats, people, args)
        await chaos.begin()
        faults = asyncio.create_task(chaos.run())
        killer = asyncio.create_task(kill_and_restart(bot, url, emu.base_url, args.kill_at))
        posts = await post_all(residents, args.messages, args.seconds)
        bot = await killer
        received = {(p.chat_id, p.message_id): p.received for p in posts}
        faults.cancel()  # the faults last as long as the posting; then the bot catches up
        await asyncio.gather(faults, return_exceptions=True)
        calm = time.monotonic()
        wanted = {(p.chat_id, p.message_id) for p in posts if p.received}
        await until_replied(client, stamps, chats, wanted, chaos.gone, args.wait)
        caught_up = time.monotonic() - calm
        await asyncio.sleep(2.0)  # a late second reply would show up as duplicated
        await bot.stop()
        found, stats = await registered(client, chats), await client.stats()
        examples = await duplicated_examples(client, found)
        follower.cancel()
    await emu.stop()
    ticketed, flagged, unhandled = await count_rows(url)
    result = summary(posts, received, stamps, found, ticketed, chaos.gone)
    return result | {
        "reported_possible_duplicates": flagged,
        "goals_met": result["lost_tickets"] == result["replies_missing"] == 0
        and result["replies_duplicated"] <= flagged,
        "details": {
            "groups": len(chats),
            "caught_up_after_posting_s": round(caught_up, 1),
            "updates_unhandled_at_stop": unhandled,
            "bot_kills": len(args.kill_at),
            "db_connection_kills": chaos.db_kills,
            "connections_terminated": chaos.terminated,
            "http_429": stats["http_429"],
            "random_500": chaos.random_500,
            "chats_429": len(chaos.flooded),
            "chats_403": len(chaos.gone) + len(chaos.blocked),
            "duplicated_examples": examples,
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=100)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=300.0, help="posting time")
    parser.add_argument("--kill-at", default="60,180", help="s after the first post, e.g. 60,130")
    parser.add_argument("--db-kill-every", type=float, default=30.0)
    parser.add_argument("--wait", type=float, default=240.0, help="s for replies after the posts")
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: fresh)")
    args = parser.parse_args(argv)
    args.kill_at = [float(s) for s in args.kill_at.split(",") if s.strip()]
    name = f"gridbot_soak_{uuid.uuid4().hex[:8]}"
    url = args.database_url or asyncio.run(fresh_database(name))
    try:
        result = asyncio.run(soak(args, url))
    finally:
        if not args.database_url:
            asyncio.run(drop_database(name))
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
