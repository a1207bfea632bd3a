"""Flood limits kept by the engine itself, so that a normal broadcast never meets a 429.

Telegram (and the emulator) count accepted sends in sliding windows: at most `per_second` in
any 1 s globally and `per_chat_per_minute` in any 60 s per group, each send stamped when the
server handles it. The server's stamp is unknown to us but lies between the moment we start the
call and the moment its answer arrives. So the limiter is conservative: a send counts against a
window from its start until `window + margin` after its answer, and calls still in flight
always count. A new send may start only while fewer than `limit` sends count, which keeps the
server's window below its limit whatever the network latency. On top of that, starts are spread
evenly (one every `1 / per_second`, with bursts of at most `per_second // 50`, i.e. one at
30/s) so the traffic is smooth rather than bursty.

The throughput this allows is `per_second / (1 + latency + margin)`, within a few percent of
the ceiling for a local or nearby server.

A 429 that comes anyway (another process sharing the token, a stricter server) pauses every
sender: `pause(seconds)` holds all starts until it has passed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

Monotonic = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class _Window:
    """One sliding window: answers' times of recent sends plus the sends still in flight."""

    __slots__ = ("ends", "inflight", "limit", "span")

    def __init__(self, limit: int, span: float) -> None:
        self.limit = limit
        self.span = span
        self.ends: list[float] = []  # small lists: one window per group chat is kept
        self.inflight = 0

    def wait(self, now: float, batch: int = 1) -> float | None:
        """0 if a send may start now, seconds to wait, or None: wait for an answer first.

        When full, waits until `batch` more sends may start (fewer timer wake-ups)."""
        ends = self.ends
        if ends and ends[0] <= now - self.span:
            cutoff = now - self.span
            expired = 1
            while expired < len(ends) and ends[expired] <= cutoff:
                expired += 1
            del ends[:expired]
        if self.inflight + len(ends) < self.limit:
            return 0.0
        if not ends:
            return None
        # The oldest answers leave the window first; enough of them must leave.
        excess = self.inflight + len(ends) - self.limit
        if excess >= len(ends):
            return None
        return ends[min(excess + batch - 1, len(ends) - 1)] + self.span - now

    @property
    def idle(self) -> bool:
        return self.inflight == 0 and not self.ends


class RateLimiter:
    """Global per-second and per-chat per-minute limits; use `async with limiter.slot(chat)`."""

    def __init__(
        self,
        per_second: int = 30,
        per_chat_per_minute: int = 20,
        *,
        margin: float = 0.02,
        monotonic: Monotonic = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if per_second < 1 or per_chat_per_minute < 1:
            raise ValueError("limits must be at least 1")
        self.per_second = per_second
        self.per_chat_per_minute = per_chat_per_minute
        self.margin = margin
        self.interval = 1.0 / per_second
        # Pacing lets a few starts go back to back (20 ms worth at high rates, one at 30/s):
        # the windows above are what keeps the server's count in bounds.
        self.burst = max(1, per_second // 50)
        self._monotonic = monotonic
        self._sleep = sleep
        self._global = _Window(per_second, 1.0 + margin)
        self._chats: dict[int, _Window] = {}
        self._created = 0
        self._lock = asyncio.Lock()
        self._released = asyncio.Event()
        self._next_start = 0.0
        self._paused_until = 0.0
        self.pauses = 0
        self.started = 0
        self.held_total = 0.0  # seconds slots were held (start of a call to its answer)
        self.held_count = 0

    # --- the flood answer -----------------------------------------------------------------
    def pause(self, seconds: float) -> None:
        """Hold every start until `seconds` from now (a 429's retry_after)."""
        self.pauses += 1
        self._paused_until = max(self._paused_until, self._monotonic() + seconds)

    @property
    def mean_hold(self) -> float:
        """Mean seconds from a slot's start to the call's answer: the latency that, added to
        each window, is what the conservative accounting costs in throughput."""
        return self.held_total / self.held_count if self.held_count else 0.0

    @property
    def paused_for(self) -> float:
        return max(0.0, self._paused_until - self._monotonic())

    # --- slots ----------------------------------------------------------------------------
    @asynccontextmanager
    async def slot(self, chat_id: int) -> AsyncIterator[None]:
        await self.acquire(chat_id)
        granted = self._monotonic()
        try:
            yield
        finally:
            self.release(chat_id)
            self.held_total += self._monotonic() - granted
            self.held_count += 1

    async def acquire(self, chat_id: int) -> None:
        chat = await self._acquire_chat(chat_id)
        try:
            async with self._lock:
                await self._acquire_global()
        except BaseException:
            chat.inflight -= 1
            raise

    def release(self, chat_id: int) -> None:
        """The call's answer arrived (or it failed): from now its window time runs out."""
        now = self._monotonic()
        self._global.inflight -= 1
        self._global.ends.append(now)
        chat = self._chats.get(chat_id)
        if chat is not None:
            chat.inflight -= 1
            chat.ends.append(now)
        self._released.set()

    async def _acquire_chat(self, chat_id: int) -> _Window:
        chat = self._chats.get(chat_id)
        if chat is None:
            self._created += 1
            if self._created % 4096 == 0:
                self._prune()
            chat = self._chats[chat_id] = _Window(self.per_chat_per_minute, 60.0 + self.margin)
        while True:
            wait = chat.wait(self._monotonic())
            if wait == 0.0:
                chat.inflight += 1
                return chat
            await self._pause_for(wait)

    async def _acquire_global(self) -> None:
        while True:
            now = self._monotonic()
            ahead = (self.burst - 1) * self.interval
            waits = [self._paused_until - now, self._next_start - ahead - now]
            window = self._global.wait(now, self.burst)
            if window is None:
                await self._pause_for(None)
                continue
            waits.append(window)
            longest = max(waits)
            if longest > 0:
                await self._sleep(longest)
                continue
            self._global.inflight += 1
            self.started += 1
            # Pacing: one start per interval. A waker up to half an interval late keeps the
            # schedule (timer granularity must not eat into the rate); after an idle spell
            # the schedule restarts from now.
            late = now - self._next_start
            base = now if late > self.interval / 2 else self._next_start
            self._next_start = base + self.interval
            return

    async def _pause_for(self, seconds: float | None) -> None:
        """Sleep `seconds`, or until some answer arrives when None (or sooner)."""
        if seconds is not None:
            await self._sleep(seconds)
            return
        self._released.clear()
        await self._released.wait()

    def _prune(self) -> None:
        now = self._monotonic()
        for chat_id, window in list(self._chats.items()):
            window.wait(now)
            if window.idle:
                del self._chats[chat_id]
