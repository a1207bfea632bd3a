"""Whose turn it is to take the next global slot of the send budget (broadcasts/limiter.py).

One caller at a time waits for the next free slot; the others queue behind it, urgent callers
(ticket notices, replies) ahead of the rest, each kind in arrival order. A non-urgent holder
that wakes to find an urgent caller queued gives its turn away and queues again first.
"""

from __future__ import annotations

import asyncio
import heapq

_URGENT, _NORMAL = 0, 1


class Turns:
    def __init__(self) -> None:
        self._queue: list[tuple[int, int, asyncio.Future[None]]] = []
        self._seq = 0
        self._held = False

    @property
    def urgent_waiting(self) -> bool:
        return bool(self._queue) and self._queue[0][0] == _URGENT

    async def take(self, urgent: bool, *, first: bool = False) -> None:
        """Wait for our turn; `first`: ahead of every other non-urgent caller."""
        if not self._held and not self._queue:
            self._held = True
            return
        self._seq += 1
        entry = (_URGENT if urgent else _NORMAL, -self._seq if first else self._seq, _future())
        heapq.heappush(self._queue, entry)
        try:
            await entry[2]
        except asyncio.CancelledError:
            if entry[2].cancelled():
                if entry in self._queue:
                    self._queue.remove(entry)
                    heapq.heapify(self._queue)
            else:  # the turn came just as we were cancelled: pass it on
                self.give()
            raise

    def give(self) -> None:
        """The holder is done: the next caller's turn (or nobody's)."""
        while self._queue:
            _, _, future = heapq.heappop(self._queue)
            if not future.done():
                future.set_result(None)
                return
        self._held = False


def _future() -> asyncio.Future[None]:
    return asyncio.get_running_loop().create_future()
