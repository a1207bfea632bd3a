"""A sequenced log of chat activity for live viewers (``GET /control/events``)."""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any


def describe(event: dict[str, Any]) -> str:
    body = event.get("text") or event.get("caption") or ""
    if event.get("photo"):
        body = f"[photo] {body}".strip()
    if event.get("service"):
        body = body or "[" + ", ".join(event["service"]) + "]"
    who = ("🤖 " if event.get("from_is_bot") else "") + str(event.get("from_name"))
    tag = "" if event["kind"] == "message" else f" ({event['kind']})"
    return f"[{event['chat_title']}] #{event['message_id']} {who}{tag}: {body}"


class EventLog:
    def __init__(self, keep: int = 10_000) -> None:
        self.items: deque[dict[str, Any]] = deque(maxlen=keep)
        self.seq = 0
        self.closed = False
        self._signal = asyncio.Event()

    def add(self, kind: str, **fields: Any) -> dict[str, Any]:
        self.seq += 1
        event = {"seq": self.seq, "kind": kind, **fields}
        self.items.append(event)
        self._signal.set()
        self._signal = asyncio.Event()
        return event

    def after(self, seq: int) -> list[dict[str, Any]]:
        return [event for event in self.items if event["seq"] > seq]

    def close(self) -> None:
        self.closed = True
        self._signal.set()
        self._signal = asyncio.Event()

    async def wait(self, seq: int, timeout: float) -> list[dict[str, Any]]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = self.after(seq)
            remaining = deadline - loop.time()
            if found or remaining <= 0 or self.closed:
                return found
            signal = self._signal
            try:
                await asyncio.wait_for(signal.wait(), remaining)
            except TimeoutError:
                return self.after(seq)
