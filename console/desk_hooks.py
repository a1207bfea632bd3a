"""What the 群发 desk tells the bot's process after a broadcast is committed.

The console may not import the bot: cli builds a `BroadcastHooks` from the bot's engine and
date jobs when the console runs in the bot's process (`gridbot run --console`) and passes it to
`make_app`. Alone (`gridbot console`) there is none: the running bot finds a new broadcast on
its engine's own scan and a scheduled or cancelled one on its date jobs' sync (README).
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from aiohttp import web


class BroadcastHooks(Protocol):
    def sent(self, broadcast_id: int) -> None:
        """A broadcast to send now was committed: wake the engine."""

    def scheduled(self, broadcast_id: int, at: datetime) -> None:
        """A scheduled broadcast was committed: add its date job."""

    def cancelled(self, broadcast_id: int) -> None:
        """A broadcast was cancelled: drop its date job, let the engine look again."""


HOOKS = web.AppKey("broadcast_hooks", BroadcastHooks)


def hooks(request: web.Request) -> BroadcastHooks | None:
    return request.app.get(HOOKS)
