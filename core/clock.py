"""Time as a dependency, so tests can drive it instead of sleeping."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta


class Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FakeClock(Clock):
    """A clock that only moves when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
        self._listeners: list[Callable[[], None]] = []

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta
        for listener in list(self._listeners):
            listener()

    def on_advance(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call `listener` after every `advance`, as a timer waiting for a due time would fire
        when real time reached it (e.g. the broadcast engine's `notify`); returns the call
        that removes it again."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)
