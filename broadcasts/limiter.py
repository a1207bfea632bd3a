"""One send budget per bot: Telegram's flood limits, kept on our side so no send meets a 429.

Telegram (and the emulator) count each message when its request arrives, in sliding windows:
at most `per_second` in any 1 s for the bot, `per_chat_per_minute` in any 60 s per group (a
group's chat id is negative; private chats have no such window). A slot counts against its
windows (broadcasts/windows.py) from its grant until its window has run out; a slot is
granted only while fewer than the limit count.

When a slot's window starts depends on what the limiter is told. The bot's HTTP session calls
`sending()` as each request leaves (bot/sending.py): the window runs from then, plus `margin`
for the request's way to the server. A slot that never says so (another `Sender`) is counted
from its answer, the latest moment the platform can have stamped it: safe whatever the
latency, but then every slot also holds its call's latency.

Once requests are announced (`announce_requests()`), a slot may be granted up to the time its
callers usually need before their request (the engine claims its row first; at most
`MAX_LEAD`), and `sending()` holds the request until the slot's time. So that work overlaps
the wait instead of adding to every window.

Starts are spread, one every `SPREAD / per_second` at most (a few back to back at high rates):
a full window's budget takes half a second, not one burst. Urgent callers (ticket notices)
take the next slot ahead of a waiting broadcast (broadcasts/turns.py). A 429 that comes anyway
holds back the chat it came for: `pause_chat(chat_id, seconds)` (`pause(seconds)` would hold
every caller, for a limit the platform says is the bot's as a whole).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar

from broadcasts.turns import Turns
from broadcasts.windows import ChatWindows, Grant, Window

Monotonic = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

SPREAD = 0.5  # seconds a full window's budget takes to start, at the least
MAX_LEAD = 0.05  # a slot is granted at most this early (only with announced requests)
TICK = 1e-6  # a wait shorter than this is none (float clocks must not spin)


class RateLimiter:
    """Global per-second and per-chat per-minute limits; `async with limiter.slot(chat)`."""

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
        self.interval = SPREAD / per_second
        # A few starts may go back to back at high rates (timer granularity must not eat
        # into the rate); the windows are what keeps the platform's count in bounds.
        self.burst = max(1, per_second // 50)
        self._monotonic = monotonic
        self._sleep = sleep
        self._global = Window(per_second, 1.0 + margin)
        self._chats = ChatWindows(per_chat_per_minute, 60.0 + margin)
        self._turns = Turns()
        self._released = asyncio.Event()
        self._current: ContextVar[Grant | None] = ContextVar("send_slot", default=None)
        self._announced = False
        self._lead = 0.0  # how long callers work between a grant and its request (average)
        self._next_start = 0.0
        self._paused_until = 0.0
        self._chat_paused: dict[int, float] = {}  # chat → monotonic time its 429 runs out
        self.pauses = 0
        self.started = 0
        self.urgent_started = 0
        self.held_total = 0.0  # seconds slots were held (grant to release)
        self.held_count = 0

    # --- the flood answer -----------------------------------------------------------------
    def pause(self, seconds: float) -> None:
        """Hold every start until `seconds` from now (a 429's retry_after)."""
        self.pauses += 1
        self._paused_until = max(self._paused_until, self._monotonic() + seconds)

    def pause_chat(self, chat_id: int, seconds: float) -> None:
        """Hold the starts to one chat until `seconds` from now (a 429 in that chat); the
        other chats go on."""
        self.pauses += 1
        until = self._monotonic() + seconds
        self._chat_paused[chat_id] = max(self._chat_paused.get(chat_id, 0.0), until)

    def chat_paused_for(self, chat_id: int) -> float:
        return max(0.0, self._chat_paused.get(chat_id, 0.0) - self._monotonic())

    @property
    def paused_for(self) -> float:
        return max(0.0, self._paused_until - self._monotonic())

    @property
    def mean_hold(self) -> float:
        """Mean seconds from a slot's grant to its release (the call's answer)."""
        return self.held_total / self.held_count if self.held_count else 0.0

    # --- slots ----------------------------------------------------------------------------
    def announce_requests(self) -> None:
        """Every request made in a slot calls `sending()` first (the bot's session does):
        slots may be granted a little early."""
        self._announced = True

    @asynccontextmanager
    async def slot(self, chat_id: int, *, urgent: bool = False) -> AsyncIterator[None]:
        """One slot for one platform call to `chat_id`; urgent callers go first."""
        grant = await self.acquire(chat_id, urgent=urgent)
        token = self._current.set(grant)
        try:
            yield
        finally:
            self._current.reset(token)
            self.release(grant)

    async def sending(self) -> bool:
        """The current task's slot makes its request now: wait for the slot's time (and any
        pause); its windows start here, at its first request. False outside a slot."""
        grant = self._current.get()
        if grant is None:
            return False
        if grant.sent is None:
            now = self._monotonic()
            self._lead += (min(now - grant.granted, MAX_LEAD) - self._lead) * 0.1
            due = max(grant.not_before, self._paused_until)
            if due > now:
                await self._sleep(due - now)
                now = self._monotonic()
            grant.sent = now
        return True

    async def acquire(self, chat_id: int, *, urgent: bool = False) -> Grant:
        while (wait := self.chat_paused_for(chat_id)) > TICK:
            await self._sleep(wait)  # this chat answered 429: only it waits
        self._chat_paused.pop(chat_id, None)
        group = chat_id < 0  # only groups have a per-chat window
        if group:
            await self._acquire_chat(chat_id)
        try:
            not_before = await self._acquire_global(urgent)
        except BaseException:
            if group:
                self._chats.unhold(chat_id)
            raise
        self.started += 1
        self.urgent_started += urgent
        return Grant(chat_id, self._monotonic(), not_before)

    def release(self, grant: Grant) -> None:
        """The call's answer arrived (or it failed): its windows run out from their start."""
        now = self._monotonic()
        start = now if grant.sent is None else grant.sent
        self._global.close(start)
        if grant.chat_id < 0:
            self._chats.close(grant.chat_id, start)
        self.held_total += now - grant.granted
        self.held_count += 1
        self._released.set()

    async def _acquire_chat(self, chat_id: int) -> None:
        while True:
            wait = self._chats.wait(chat_id, self._monotonic())
            if wait == 0.0:
                self._chats.hold(chat_id)
                return
            await self._pause_for(wait)

    async def _acquire_global(self, urgent: bool) -> float:
        """Take a global slot; returns when its request may go (now, or a little later)."""
        await self._turns.take(urgent)
        holding = True
        try:
            while True:
                now = self._monotonic()
                lead = self._lead if self._announced else 0.0
                start = self._earliest_start(now, 1)
                if start is not None and start - now <= lead + TICK:
                    self._global.inflight += 1
                    self._schedule_after(start)
                    return start
                wake = self._earliest_start(now, self.burst)
                await self._pause_for(None if wake is None else max(TICK, wake - lead - now))
                if not urgent and self._turns.urgent_waiting:
                    holding = False
                    self._turns.give()  # an urgent caller takes this slot; the next is ours
                    await self._turns.take(False, first=True)
                    holding = True
        finally:
            if holding:
                self._turns.give()

    def _earliest_start(self, now: float, batch: int) -> float | None:
        """When `batch` more requests may go (None: not before a release)."""
        window = self._global.wait(now, batch)
        if window is None:
            return None
        ahead = (self.burst - 1) * self.interval
        return now + max(0.0, window, self._paused_until - now, self._next_start - ahead - now)

    def _schedule_after(self, start: float) -> None:
        """Pacing: one start per interval. A start up to half an interval late keeps the
        schedule (timer granularity); after an idle spell it restarts from this start."""
        late = start - self._next_start
        base = start if late > self.interval / 2 else self._next_start
        self._next_start = base + self.interval

    async def _pause_for(self, seconds: float | None) -> None:
        """Sleep `seconds`, or until some slot is released when None."""
        if seconds is not None:
            await self._sleep(seconds)
            return
        self._released.clear()
        await self._released.wait()
