"""What a handler needs of the scheduler that wakes the engine at a broadcast's time (the bot's
APScheduler jobs, bot/broadcast_jobs.py): add one, remove one."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class DateJobs(Protocol):
    def add(self, broadcast_id: int, at: datetime) -> None: ...

    def remove(self, broadcast_id: int) -> None: ...
