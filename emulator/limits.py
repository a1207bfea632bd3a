"""Sliding-window flood limits like Telegram's, plus call statistics."""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field

Clock = Callable[[], float]


@dataclass
class Stats:
    calls: Counter[str] = field(default_factory=Counter)
    http_429: int = 0
    sent_per_chat: Counter[int] = field(default_factory=Counter)


class RateLimiter:
    """Global per-second and per-group per-minute windows of accepted sends."""

    def __init__(
        self,
        enabled: bool = True,
        global_per_second: int = 30,
        per_chat_per_minute: int = 20,
        clock: Clock | None = None,
    ) -> None:
        self.enabled = enabled
        self.global_per_second = global_per_second
        self.per_chat_per_minute = per_chat_per_minute
        self.clock: Clock = clock or time.monotonic
        self._global: deque[float] = deque()
        self._chats: dict[int, deque[float]] = {}

    def configure(
        self,
        enabled: bool | None = None,
        global_per_second: int | None = None,
        per_chat_per_minute: int | None = None,
    ) -> None:
        if enabled is not None:
            self.enabled = enabled
        if global_per_second is not None:
            self.global_per_second = global_per_second
        if per_chat_per_minute is not None:
            self.per_chat_per_minute = per_chat_per_minute

    def reset(self) -> None:
        self._global.clear()
        self._chats.clear()

    @staticmethod
    def _wait(window: deque[float], now: float, span: float, limit: int) -> float | None:
        while window and window[0] <= now - span:
            window.popleft()
        if limit <= 0:
            return span
        if len(window) < limit:
            return None
        return window[len(window) - limit] + span - now

    def acquire(self, chat_id: int, per_chat: bool) -> float | None:
        """Record one send; return seconds to wait instead when a window is full."""
        if not self.enabled:
            return None
        now = self.clock()
        chat_window = self._chats.setdefault(chat_id, deque()) if per_chat else None
        waits = [self._wait(self._global, now, 1.0, self.global_per_second)]
        if chat_window is not None:
            waits.append(self._wait(chat_window, now, 60.0, self.per_chat_per_minute))
        blocking = [w for w in waits if w is not None]
        if blocking:
            return max(blocking)
        self._global.append(now)
        if chat_window is not None:
            chat_window.append(now)
        return None
