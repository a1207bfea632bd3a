"""Read-only side of the control client: transcripts, stats, events, ``wait_for``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from .client_base import JSON, ControlTransport, format_transcript

Predicate = Callable[[JSON], bool]


class InspectingClient(ControlTransport):
    async def stats(self) -> JSON:
        return await self._get("/stats")

    async def webhook_deliveries(self) -> list[JSON]:
        return await self._get_list("/webhook/deliveries")

    async def transcript(self, chat_id: int) -> list[JSON]:
        return await self._get_list(f"/chats/{chat_id}/transcript")

    async def bot_messages(self, chat_id: int) -> list[JSON]:
        return [e for e in await self.transcript(chat_id) if e["from_is_bot"] and not e["deleted"]]

    async def events(self, after: int = 0, timeout: float = 0.0) -> list[JSON]:
        return await self._get_list("/events", {"after": after, "timeout": timeout})

    async def wait_for(
        self,
        chat_id: int,
        predicate: Predicate | None = None,
        contains: str | None = None,
        timeout: float = 10.0,
        after_message_id: int | None = None,
    ) -> JSON:
        """Poll until a live bot message in the chat matches; AssertionError on timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            entries = await self.transcript(chat_id)
            for entry in entries:
                if not entry["from_is_bot"] or entry["deleted"]:
                    continue
                if after_message_id is not None and entry["message_id"] <= after_message_id:
                    continue
                body = (entry["text"] or "") + (entry["caption"] or "")
                if contains is not None and contains not in body:
                    continue
                if predicate is None or predicate(entry):
                    return entry
            if loop.time() >= deadline:
                wanted = f"contains={contains!r}" if contains is not None else "a bot message"
                raise AssertionError(
                    f"no bot message in chat {chat_id} matching {wanted} within {timeout}s; "
                    f"transcript:\\n{format_transcript(entries)}"
                )
            await asyncio.sleep(0.02)
