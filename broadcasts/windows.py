"""The sliding windows of the send budget (broadcasts/limiter.py) and the slots it grants."""

from __future__ import annotations

from bisect import insort


class Window:
    """One sliding window: when released slots stop counting, plus the slots still held."""

    __slots__ = ("ends", "inflight", "limit", "span")

    def __init__(self, limit: int, span: float) -> None:
        self.limit = limit
        self.span = span
        self.ends: list[float] = []  # sorted; small lists: one window per group chat is kept
        self.inflight = 0

    def close(self, start: float) -> None:
        """A held slot was released; it counts until `span` after its window's start."""
        self.inflight -= 1
        insort(self.ends, start + self.span)

    def wait(self, now: float, batch: int = 1) -> float | None:
        """0 if a slot is free now, seconds until `batch` slots are, or None: not before a
        release (every slot counted is still held)."""
        ends = self.ends
        if ends and ends[0] <= now:
            expired = 1
            while expired < len(ends) and ends[expired] <= now:
                expired += 1
            del ends[:expired]
        held = self.inflight + len(ends)
        if held < self.limit:
            return 0.0
        excess = held - self.limit  # this many more than the limit must end first
        if excess >= len(ends):
            return None
        return ends[min(excess + batch - 1, len(ends) - 1)] - now


class ChatWindows:
    """Every group's per-minute window, kept small: a broadcast holds one send in each of
    thousands of groups, so a group's window is one expiry time until it holds more."""

    def __init__(self, limit: int, span: float) -> None:
        self.limit = limit
        self.span = span
        self._ends: dict[int, float | list[float]] = {}  # a list only for two or more, sorted
        self._inflight: dict[int, int] = {}
        self._added = 0

    def __len__(self) -> int:
        """Groups with a window kept (expired ones are dropped every 4,096 new ones)."""
        return len(self._ends)

    def wait(self, chat_id: int, now: float) -> float | None:
        """As `Window.wait`, for one group."""
        ends = self._current(chat_id, now)
        held = self._inflight.get(chat_id, 0) + len(ends)
        if held < self.limit:
            return 0.0
        excess = held - self.limit
        return None if excess >= len(ends) else ends[excess] - now

    def hold(self, chat_id: int) -> None:
        self._inflight[chat_id] = self._inflight.get(chat_id, 0) + 1

    def unhold(self, chat_id: int) -> None:
        left = self._inflight.pop(chat_id) - 1
        if left:
            self._inflight[chat_id] = left

    def close(self, chat_id: int, start: float) -> None:
        """A held slot was released; it counts until `span` after its window's start."""
        self.unhold(chat_id)
        end = start + self.span
        ends = self._ends.get(chat_id)
        if ends is None:
            self._ends[chat_id] = end
            self._added += 1
            if self._added % 4096 == 0:
                self._prune(start)
        elif isinstance(ends, float):
            self._ends[chat_id] = sorted((ends, end))
        else:
            insort(ends, end)

    def _current(self, chat_id: int, now: float) -> list[float]:
        ends = self._ends.get(chat_id)
        if ends is None:
            return []
        if isinstance(ends, float):
            ends = [ends]
        live = [end for end in ends if end > now]
        if not live:
            del self._ends[chat_id]
        elif len(live) < len(ends):
            self._ends[chat_id] = live[0] if len(live) == 1 else live
        return live

    def _prune(self, now: float) -> None:
        for chat_id in list(self._ends):
            self._current(chat_id, now)


class Grant:
    """One granted slot: its chat, when its request may go, and when it went (if told)."""

    __slots__ = ("chat_id", "granted", "not_before", "sent")

    def __init__(self, chat_id: int, granted: float, not_before: float) -> None:
        self.chat_id = chat_id
        self.granted = granted
        self.not_before = not_before
        self.sent: float | None = None
