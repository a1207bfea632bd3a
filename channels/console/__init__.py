"""A second channel: messages written as lines of text (tests, and a transcript to read).

It shows that the courier and the domain need nothing of Telegram: a platform is one adapter
that turns an `Outgoing` into its own call and its errors into `channels.port` outcomes.
"""

from __future__ import annotations

import itertools
import sys
from dataclasses import dataclass, field
from typing import TextIO

from channels.port import Capabilities, Outgoing

CONSOLE = Capabilities(
    max_text=4096,
    max_caption=1024,
    edits=True,
    pins=False,
    buttons=True,
    per_second=1000,
    per_chat_per_minute=1000,
)


@dataclass
class ConsoleChannel:
    """Prints each delivered message as `[chat] text  [button | button]` and keeps them."""

    out: TextIO = field(default_factory=lambda: sys.stdout)
    capabilities: Capabilities = CONSOLE
    delivered: list[tuple[int, Outgoing]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def deliver(self, message: Outgoing) -> int:
        message_id = next(self._ids) if message.kind in ("text", "photo", "document") else 0
        self.delivered.append((message_id, message))
        self.out.write(self.line(message) + "\n")
        return message_id

    @staticmethod
    def line(message: Outgoing) -> str:
        head = f"[{message.chat_id}]"
        if message.kind in ("edit_text", "edit_buttons"):
            head += f" (edit of {message.message_id})"
        elif message.kind in ("photo", "document"):
            head += f" <{message.file_name}>"
        buttons = " | ".join(b.text for row in message.buttons for b in row)
        text = (message.text or "").replace("\n", " / ")
        return f"{head} {text}" + (f"  [{buttons}]" if buttons else "")
