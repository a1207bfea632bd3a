"""The demo's clock: fast-forwarded by the scenes, then, for what runs after them, the real
time (`gridbot demo --console`)."""

from __future__ import annotations

from datetime import datetime

from core.clock import Clock, FakeClock


class DemoClock(FakeClock):
    """The scenes' clock, fast-forwarded by them; `go_real()` then hands over to the real
    time for whatever runs after the scenes (`gridbot demo --console`)."""

    def __init__(self, start: datetime) -> None:
        super().__init__(start)
        self._real: Clock | None = None

    def now(self) -> datetime:
        return self._real.now() if self._real is not None else super().now()

    def go_real(self) -> None:
        self._real = Clock()
        for listener in list(self._listeners):  # a timer waiting on the old time looks again
            listener()
