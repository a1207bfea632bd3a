"""A courier process that is killed mid-send (tests/test_outbox_crash.py).

    python -m tests.support.courier_child DATABASE_URL LOG_FILE HANG_AT

Delivers the outbox through a channel that appends each delivered text to LOG_FILE (flushed,
fsynced) and hangs forever on the HANG_AT-th call, after printing READY: the parent then
kills the process with SIGKILL, with one request "in flight".
"""

from __future__ import annotations

import asyncio
import os
import sys

from channels.console import ConsoleChannel
from channels.port import Outgoing
from core.clock import Clock
from core.db import make_engine, make_session_factory
from outbox.courier import Courier


class LoggingChannel(ConsoleChannel):
    def __init__(self, path: str, hang_at: int) -> None:
        super().__init__()
        self.path, self.hang_at, self.calls = path, hang_at, 0

    async def deliver(self, message: Outgoing) -> int:
        self.calls += 1
        if self.calls == self.hang_at:
            print("READY", flush=True)
            await asyncio.Event().wait()  # the request never returns: killed here
        await asyncio.to_thread(self._append, message.text or "")
        return self.calls

    def _append(self, text: str) -> None:
        with open(self.path, "a", encoding="utf-8") as log:
            log.write(text + "\n")
            log.flush()
            os.fsync(log.fileno())


async def main(url: str, path: str, hang_at: int) -> None:
    engine = make_engine(url)
    courier = Courier(
        make_session_factory(engine),
        LoggingChannel(path, hang_at),
        now=Clock().now,
        concurrency=1,
    )
    await courier.serve(asyncio.Event())


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
