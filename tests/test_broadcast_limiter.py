"""The engine's own flood limits, on a virtual clock: Telegram's sliding windows never overflow."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections import defaultdict

import pytest

from broadcasts.limiter import RateLimiter
from broadcasts.testing import VirtualTime


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


async def test_starts_are_paced_evenly_at_low_rates() -> None:
    clock = VirtualTime()
    limiter = RateLimiter(30, 20, monotonic=clock, sleep=clock.sleep)
    starts: list[float] = []

    async def one(chat: int) -> None:
        async with limiter.slot(chat):
            starts.append(clock.now)
            await clock.sleep(0.002)

    await asyncio.gather(*(one(n) for n in range(20)))
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert min(gaps) >= 1 / 30 - 1e-9


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
    chats = [7] * 45 + list(range(100, 130))
    stamps = await blast(limiter, clock, chats, 8, (0.01, 0.05), "random")
    assert len(stamps[7]) == 45 and all(len(stamps[c]) == 1 for c in range(100, 130))
    assert max_in_window(stamps[7], 60.0) <= 20
    assert max(stamps[7]) - min(stamps[7]) > 120  # 45 sends need three minutes' windows
    everything = [s for chat in stamps.values() for s in chat]
    assert max_in_window(everything, 1.0) <= 30


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
