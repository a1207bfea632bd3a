"""Progress of a running broadcast: counts, rate and ETA, for live edits and progress bars."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace

RATE_WINDOW = 10.0  # seconds of history behind `rate`


@dataclass(frozen=True)
class Progress:
    broadcast_id: int
    total: int
    delivered: int
    failed: int
    skipped: int
    remaining: int
    possibly_duplicated: int
    rate: float  # deliveries (delivered + failed) per second, over the last ~10 s
    eta_s: float | None  # None until a rate is known
    elapsed_s: float
    finished: bool = False

    @property
    def sent(self) -> int:
        return self.delivered

    @property
    def done(self) -> int:
        return self.delivered + self.failed + self.skipped

    @property
    def fraction(self) -> float:
        return 1.0 if self.total == 0 else self.done / self.total

    def line(self) -> str:
        eta = "?" if self.eta_s is None else f"{self.eta_s:.0f}s"
        return (
            f"broadcast {self.broadcast_id}: {self.done}/{self.total} "
            f"(delivered {self.delivered}, failed {self.failed}, skipped {self.skipped}, "
            f"remaining {self.remaining}) {self.rate:.1f}/s ETA {eta}"
        )


ProgressCallback = Callable[[Progress], Awaitable[None] | None]


@dataclass
class Tracker:
    """In-memory figures of one broadcast while this process runs it."""

    broadcast_id: int
    total: int
    delivered: int = 0
    failed: int = 0
    skipped: int = 0
    possibly_duplicated: int = 0
    started: float = 0.0
    outstanding: int = 0  # rows handed to senders whose outcome is not committed yet
    exhausted: bool = False  # every pending row has been handed out
    last_emit: float = float("-inf")
    samples: deque[tuple[float, int]] = field(default_factory=deque)

    @property
    def remaining(self) -> int:
        return max(0, self.total - self.delivered - self.failed - self.skipped)

    def snapshot(self, now: float, finished: bool = False) -> Progress:
        sent = self.delivered + self.failed
        samples = self.samples
        samples.append((now, sent))
        while len(samples) > 2 and samples[1][0] <= now - RATE_WINDOW:
            samples.popleft()
        first_t, first_sent = samples[0]
        rate = (sent - first_sent) / (now - first_t) if now - first_t > 0.2 else 0.0
        remaining = self.remaining
        eta = remaining / rate if rate > 0 else (0.0 if remaining == 0 else None)
        return Progress(
            broadcast_id=self.broadcast_id,
            total=self.total,
            delivered=self.delivered,
            failed=self.failed,
            skipped=self.skipped,
            remaining=remaining,
            possibly_duplicated=self.possibly_duplicated,
            rate=rate,
            eta_s=eta,
            elapsed_s=max(0.0, now - self.started),
            finished=finished,
        )


class ProgressHub:
    """Fans progress out to callbacks and to `watch()` iterators (latest value wins)."""

    def __init__(self) -> None:
        self._callbacks: list[tuple[int | None, ProgressCallback]] = []
        self._watchers: dict[int, list[asyncio.Queue[Progress]]] = {}

    def subscribe(self, callback: ProgressCallback, broadcast_id: int | None = None) -> None:
        self._callbacks.append((broadcast_id, callback))

    def unsubscribe(self, callback: ProgressCallback) -> None:
        self._callbacks = [(b, c) for b, c in self._callbacks if c is not callback]

    async def watch(self, broadcast_id: int) -> AsyncIterator[Progress]:
        """Progress of one broadcast until (and including) its final figures."""
        queue: asyncio.Queue[Progress] = asyncio.Queue(maxsize=1)
        self._watchers.setdefault(broadcast_id, []).append(queue)
        try:
            while True:
                progress = await queue.get()
                yield progress
                if progress.finished:
                    return
        finally:
            self._watchers[broadcast_id].remove(queue)
            if not self._watchers[broadcast_id]:
                del self._watchers[broadcast_id]

    async def publish(self, progress: Progress) -> None:
        for queue in self._watchers.get(progress.broadcast_id, []):
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(replace(progress))
        for wanted, callback in list(self._callbacks):
            if wanted is not None and wanted != progress.broadcast_id:
                continue
            outcome = callback(progress)
            if outcome is not None:
                await outcome
