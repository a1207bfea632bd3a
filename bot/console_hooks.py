"""The 群发 desk's hooks (console/desk_hooks.py) when the console runs in the bot's process
(`gridbot run --console`): wake the broadcast engine, add or drop the date job, as the chat's
handlers do after their commit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from broadcasts.date_jobs import DateJobs


class BotBroadcastHooks:
    def __init__(self, wake: Callable[[], None], jobs: DateJobs) -> None:
        self._wake = wake
        self._jobs = jobs

    def sent(self, broadcast_id: int) -> None:
        self._wake()

    def scheduled(self, broadcast_id: int, at: datetime) -> None:
        self._jobs.add(broadcast_id, at)

    def cancelled(self, broadcast_id: int) -> None:
        self._jobs.remove(broadcast_id)
        self._wake()  # a broadcast under way stops at once
