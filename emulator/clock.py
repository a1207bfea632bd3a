"""A hand-driven monotonic clock for flood-limit tests: ``BotAPIEmulator(clock=ManualClock())``."""

from __future__ import annotations


class ManualClock:
    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
