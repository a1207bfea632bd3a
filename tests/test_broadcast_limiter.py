"""The engine's own flood limits, on a virtual clock: Telegram's sliding windows never overflow."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections import defaultdict

import pytest

from broadcasts.limiter import RateLimiter
from broadcasts.windows import ChatWindows
from tests.support.broadcasts import VirtualTime


def max_in_window(stamps: list[float], span: float) -> int:
    """The most stamps in any window (t - span, t], as the emulator counts them."""
    ordered = sorted(stamps)
    best, first = 0, 0
    for last, stamp in enumerate(ordered):
        while ordered[first] <= stamp - span:
            first += 1
        best = max(best, last - first + 1)
    return best


async def blast(
    limiter: RateLimiter,
    clock: VirtualTime,
    chats: list[int],
    senders: int,
    latency: tuple[float, float],
    stamp_at: str,
    seed: int = 1,
) -> dict[int, list[float]]:
    """Send one message per entry of `chats` with `senders` workers; the server's stamp of
    each lies somewhere between the call's start and its answer (`stamp_at` says where)."""
    rng = random.Random(seed)
    todo = list(chats)
    stamps: dict[int, list[float]] = defaultdict(list)

    async def worker() -> None:
        while todo:
            chat = todo.pop(0)
            async with limiter.slot(chat):
                start = clock.now
                await clock.sleep(rng.uniform(*latency))
                end = clock.now
            where = {"start": 0.0, "end": 1.0}.get(stamp_at, rng.random())
            stamps[chat].append(start + (end - start) * where)

    await asyncio.gather(*(worker() for _ in range(senders)))
    return stamps


@pytest.mark.parametrize("stamp_at", ["start", "end", "random"])
async def test_global_window_never_exceeds_30_per_second(stamp_at: str) -> None:
    clock = VirtualTime()
    limiter = RateLimiter(30, 20, margin=0.005, monotonic=clock, sleep=clock.sleep)
    begin = clock.now
    stamps = await blast(limiter, clock, list(range(600)), 16, (0.001, 0.2), stamp_at)
    everything = [s for chat in stamps.values() for s in chat]
    assert len(everything) == 600
    assert max_in_window(everything, 1.0) <= 30
    elapsed = clock.now - begin
    # Close to the ceiling: 600 / 30 = 20 s, plus latency and margin per window.
    assert 19.5 < elapsed < 20 * (1 + 0.2 + 0.005) + 1


async def test_starts_are_spread_over_half_a_window_at_low_rates() -> None:
    clock = VirtualTime()
    limiter = RateLimiter(30, 20, monotonic=clock, sleep=clock.sleep)
    starts: list[float] = []

    async def one(chat: int) -> None:
        async with limiter.slot(chat):
            starts.append(clock.now)
            await clock.sleep(0.002)

    await asyncio.gather(*(one(n) for n in range(20)))
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert min(gaps) >= 0.5 / 30 - 1e-9


async def test_high_rates_allow_small_bursts_but_keep_the_window() -> None:
    clock = VirtualTime()
    limiter = RateLimiter(1000, 20, margin=0.005, monotonic=clock, sleep=clock.sleep)
    begin = clock.now
    stamps = await blast(limiter, clock, list(range(5000)), 32, (0.001, 0.01), "random")
    everything = [s for chat in stamps.values() for s in chat]
    assert max_in_window(everything, 1.0) <= 1000
    assert clock.now - begin < 5 * 1.02 + 0.1


async def test_per_chat_window_is_20_per_minute() -> None:
    clock = VirtualTime()
    limiter = RateLimiter(30, 20, margin=0.005, monotonic=clock, sleep=clock.sleep)
    group, others = -7, list(range(-130, -100))  # groups have negative chat ids
    stamps = await blast(limiter, clock, [group] * 45 + others, 8, (0.01, 0.05), "random")
    assert len(stamps[group]) == 45 and all(len(stamps[c]) == 1 for c in others)
    assert max_in_window(stamps[group], 60.0) <= 20
    assert max(stamps[group]) - min(stamps[group]) > 120  # 45 sends need three windows
    everything = [s for chat in stamps.values() for s in chat]
    assert max_in_window(everything, 1.0) <= 30


async def test_a_private_chat_has_no_per_minute_window() -> None:
    clock = VirtualTime()
    limiter = RateLimiter(30, 20, margin=0.005, monotonic=clock, sleep=clock.sleep)
    begin = clock.now
    stamps = await blast(limiter, clock, [930000001] * 45, 4, (0.01, 0.05), "random")
    assert len(stamps[930000001]) == 45
    assert clock.now - begin < 3.0  # the global window only: 45 at 30/s


async def test_calls_in_flight_count_until_they_answer() -> None:
    clock = VirtualTime()
    limiter = RateLimiter(2, 20, margin=0.0, monotonic=clock, sleep=clock.sleep)
    begin = clock.now
    started: list[float] = []

    async def slow(chat: int) -> None:
        async with limiter.slot(chat):
            started.append(clock.now - begin)
            await clock.sleep(5.0)

    await asyncio.gather(slow(1), slow(2), slow(3))
    # The third may start only once an answer is a full second old: 5 s + 1 s.
    assert started[2] >= 6.0 - 1e-9


async def test_a_pause_holds_every_start() -> None:
    clock = VirtualTime()
    limiter = RateLimiter(30, 20, monotonic=clock, sleep=clock.sleep)
    async with limiter.slot(1):
        pass
    limiter.pause(3.0)
    assert limiter.paused_for == pytest.approx(3.0)
    before = clock.now
    async with limiter.slot(2):
        assert clock.now - before >= 3.0
    assert limiter.pauses == 1


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError):
        RateLimiter(0, 20)


async def announced_blast(
    limiter: RateLimiter,
    clock: VirtualTime,
    chats: list[int],
    senders: int,
    work: float,
    latency: tuple[float, float],
    seed: int = 1,
) -> list[float]:
    """Like `blast`, but each caller works up to `work` s in its slot before its request (as
    the engine claims its row), announces the request, and the server stamps it on arrival,
    up to the limiter's margin after it left."""
    rng = random.Random(seed)
    todo = list(chats)
    stamps: list[float] = []

    async def worker() -> None:
        while todo:
            chat = todo.pop(0)
            async with limiter.slot(chat):
                await clock.sleep(rng.uniform(0, work))
                assert await limiter.sending()
                stamps.append(clock.now + rng.uniform(0, limiter.margin))
                await clock.sleep(rng.uniform(*latency))

    await asyncio.gather(*(worker() for _ in range(senders)))
    return stamps


@pytest.mark.parametrize("announced", [True, False])
async def test_announced_requests_count_from_when_they_leave(announced: bool) -> None:
    clock = VirtualTime()
    limiter = RateLimiter(30, 20, margin=0.01, monotonic=clock, sleep=clock.sleep)
    if announced:
        limiter.announce_requests()
    begin = clock.now
    stamps = await announced_blast(limiter, clock, list(range(600)), 16, 0.02, (0.05, 0.2))
    assert len(stamps) == 600
    assert max_in_window(stamps, 1.0) <= 30
    elapsed = clock.now - begin
    # 20 windows of 1.01 s, less the last one's unused half, plus the last answer. Neither
    # the latency nor (with early grants) the work before each request is paid per window.
    ceiling = 19 * 1.01 + 0.5 + 0.2
    if announced:
        assert elapsed < ceiling + 0.1
    else:
        assert ceiling < elapsed < 19 * (1.01 + 0.02) + 0.5 + 0.2 + 0.1


async def test_an_early_slot_waits_for_its_time_and_for_a_pause() -> None:
    clock = VirtualTime()
    limiter = RateLimiter(2, 20, margin=0.0, monotonic=clock, sleep=clock.sleep)
    limiter.announce_requests()
    begin = clock.now
    sent: list[float] = []

    async def one(chat: int, work: float) -> None:
        async with limiter.slot(chat):
            await clock.sleep(work)
            await limiter.sending()
            sent.append(clock.now - begin)

    await asyncio.gather(one(1, 0.0), one(2, 0.0))
    for n in range(30):  # each caller works 50 ms before its request
        await one(3 + n, 0.05)
    assert max_in_window(sent, 1.0) <= 2
    # The work is learnt: slots are granted early, so it is not added to every window.
    assert sent[-1] - sent[-3] < 1.0 + 0.01
    limiter.pause(2.0)
    paused_at = clock.now - begin
    await one(99, 0.0)
    assert sent[-1] >= paused_at + 2.0 - 1e-9


async def test_an_urgent_caller_takes_the_next_slot() -> None:
    clock = VirtualTime()
    limiter = RateLimiter(10, 20, margin=0.0, monotonic=clock, sleep=clock.sleep)
    asked: dict[str, float] = {}
    granted: dict[str, float] = {}

    async def call(name: str, chat: int, urgent: bool = False) -> None:
        asked[name] = clock.now
        async with limiter.slot(chat, urgent=urgent):
            granted[name] = clock.now
            await clock.sleep(0.01)

    async def broadcast() -> None:  # 60 rows at once: 50 of them wait for the window
        await asyncio.gather(*(call(f"row{n}", 1000 + n) for n in range(60)))

    async def notice() -> None:
        await clock.sleep(2.05)
        await call("notice", 7, urgent=True)

    await asyncio.gather(broadcast(), notice())
    asked_at, got_at = asked["notice"], granted["notice"]
    queued = [n for n in granted if asked[n] < asked_at and granted[n] >= asked_at]
    assert len(queued) > 20  # the broadcast had plenty of rows waiting ...
    assert all(granted[n] >= got_at for n in queued)  # ... and the notice went first
    assert got_at - asked_at <= 1 / 10 + 1e-9  # within one slot of asking
    assert limiter.urgent_started == 1 and limiter.started == 61
    stamps = sorted(granted.values())
    assert max_in_window(stamps, 1.0) <= 10


async def test_sending_outside_a_slot_is_not_counted() -> None:
    limiter = RateLimiter(30, 20)
    assert await limiter.sending() is False
    async with limiter.slot(5):
        assert await limiter.sending() is True
    assert limiter.started == 1


async def test_a_caller_cancelled_while_waiting_leaves_nothing_behind() -> None:
    clock = VirtualTime()
    limiter = RateLimiter(1, 20, margin=0.0, monotonic=clock, sleep=clock.sleep)
    granted: list[tuple[str, float]] = []
    chats = itertools.count(-1, -1)

    async def call(name: str, urgent: bool = False) -> None:
        async with limiter.slot(next(chats), urgent=urgent):
            granted.append((name, clock.now))

    async def later(delay: float, name: str, urgent: bool = False) -> None:
        await clock.sleep(delay)
        await call(name, urgent)

    await call("first")  # the 1/s window is full until t+1
    rows = [asyncio.create_task(call(f"row{n}")) for n in range(3)]
    notices = [asyncio.create_task(later(0.2, f"notice{n}", urgent=True)) for n in range(2)]
    await clock.sleep(1.5)  # row0 gave its turn to the notices and waits for the next one
    rows[0].cancel()
    await asyncio.gather(*rows, *notices, return_exceptions=True)
    names = [name for name, _ in granted]
    assert names == ["first", "notice0", "notice1", "row1", "row2"]
    assert max_in_window([at for _, at in granted], 1.0) <= 1
    await call("later")
    assert limiter.started == 6


def test_group_windows_stay_small_and_are_dropped_when_expired() -> None:
    windows = ChatWindows(20, 60.0)
    for n in range(4095):
        windows.hold(-n - 1)
        windows.close(-n - 1, 100.0)
    windows.hold(-1)
    windows.close(-1, 130.0)  # a second send in one group
    assert len(windows) == 4095
    assert windows.wait(-1, 161.0) == 0.0  # the first send left its window at 160
    windows.hold(-9999)
    windows.close(-9999, 200.0)  # the 4,096th new group: the expired ones are dropped
    assert len(windows) == 1
