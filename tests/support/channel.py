"""A scripted MessageChannel for courier tests: the console channel plus queued failures."""

from __future__ import annotations

import io
from collections import defaultdict

from channels.console import ConsoleChannel
from channels.port import Outgoing, SendError


class ScriptedChannel(ConsoleChannel):
    def __init__(self) -> None:
        super().__init__(out=io.StringIO())
        self.failures: dict[int, list[SendError]] = defaultdict(list)
        self.calls: list[Outgoing] = []

    def fail(self, chat_id: int, *errors: SendError) -> None:
        """The next calls to `chat_id` raise these, in order."""
        self.failures[chat_id].extend(errors)

    async def deliver(self, message: Outgoing) -> int:
        self.calls.append(message)
        queued = self.failures.get(message.chat_id)
        if queued:
            raise queued.pop(0)
        return await super().deliver(message)

    def texts(self, chat_id: int) -> list[str]:
        return [m.text or "" for _id, m in self.delivered if m.chat_id == chat_id]
