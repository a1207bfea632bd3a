"""The engine's run: a writer, a progress emitter and `senders` workers around one queue.

The loop tops the queue up (one batch at a time, only while it holds fewer jobs than there are
senders), writes finished broadcasts, and waits for news when there is nothing due. If the
writer or a sender dies, the run stops at once with that error.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from broadcasts.jobs import Job
from broadcasts.outbox import OutboxWriter

if TYPE_CHECKING:
    from broadcasts.engine import BroadcastEngine


async def run_loop(engine: BroadcastEngine, stop: asyncio.Event | None) -> int:
    """Run until idle (`stop` None) or until `stop` is set; the number of outbox commits."""
    return await _Loop(engine).run(stop)


class _Loop:
    def __init__(self, engine: BroadcastEngine) -> None:
        self.engine = engine
        self.queue: asyncio.Queue[Job] = asyncio.Queue()
        self.taken = asyncio.Event()  # a sender took a job from the queue
        self.crash = asyncio.Event()  # the writer or a sender died
        self.watched: list[asyncio.Task[None]] = []
        cfg = engine.config
        self.writer = OutboxWriter(
            engine.session_factory,
            engine.now,
            engine.books.committed,
            linger=cfg.commit_linger,
            batch_target=max(1, cfg.senders // 2),
            outcome_delay=cfg.outcome_delay,
        )

    async def run(self, stop: asyncio.Event | None) -> int:
        engine, books, writer = self.engine, self.engine.books, self.writer
        writer_task = asyncio.create_task(writer.run(), name="broadcast-writer")
        progress_task = asyncio.create_task(books.emit_progress(), name="broadcast-progress")
        workers = [
            asyncio.create_task(self._worker(), name=f"broadcast-sender-{n}")
            for n in range(engine.config.senders)
        ]
        self.watched = [writer_task, *workers]
        for task in self.watched:
            task.add_done_callback(self._on_task_done)
        try:
            await self._drive(stop)
            await self._unless_crashed(self.queue.join())
            await writer.flush()
            await self._finish_ready()
        finally:
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            writer.close()
            with contextlib.suppress(Exception):
                await writer_task
            books.snapshot_running()
            progress_task.cancel()
            await asyncio.gather(progress_task, return_exceptions=True)
            await books.publish_pending()
            books.clear()
            engine.feeder.clear()
        return writer.commits

    async def _drive(self, stop: asyncio.Event | None) -> None:
        engine, senders = self.engine, self.engine.config.senders
        while stop is None or not stop.is_set():
            self._raise_if_crashed()
            await self._finish_ready()
            while self.queue.qsize() >= senders:
                self.taken.clear()
                await self._unless_crashed(self.taken.wait())
            engine.wake.clear()  # a notify() from now on is seen by _idle()
            if await engine.feeder.feed(self.queue):
                continue
            if stop is None:
                await self._unless_crashed(self.queue.join())
                await self.writer.flush()
                await self._finish_ready()
                if not await engine.feeder.anything_to_feed():
                    return
                continue
            await self._idle(stop)

    async def _finish_ready(self) -> None:
        feeder = self.engine.feeder
        await self.engine.books.finish_ready(feeder.reopen, feeder.finished)

    async def _worker(self) -> None:
        deliverer, books = self.engine.deliverer, self.engine.books
        while True:
            job = await self.queue.get()
            self.taken.set()
            try:
                outcome = await deliverer.deliver(job, self.writer)
                if outcome is None:
                    books.dropped(job.row)
                else:
                    self.writer.record(outcome)
            finally:
                self.queue.task_done()

    def _on_task_done(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            self.crash.set()

    def _raise_if_crashed(self) -> None:
        for task in self.watched:
            if task.done() and not task.cancelled() and task.exception() is not None:
                raise RuntimeError("broadcast engine task failed") from task.exception()

    async def _unless_crashed(self, awaitable: Awaitable[Any]) -> None:
        """Await, but raise at once if the writer or a sender died."""
        self._raise_if_crashed()
        waiting = asyncio.ensure_future(awaitable)
        crashed = asyncio.create_task(self.crash.wait())
        try:
            await asyncio.wait([waiting, crashed], return_when=asyncio.FIRST_COMPLETED)
        finally:
            crashed.cancel()
            if not waiting.done():
                waiting.cancel()
        self._raise_if_crashed()

    async def _idle(self, stop: asyncio.Event) -> None:
        engine = self.engine
        timeout = engine.config.poll_interval
        next_due = await engine.feeder.next_scheduled()
        if next_due is not None:
            timeout = min(timeout, max(0.0, (next_due - engine.now()).total_seconds()))
        waits = [asyncio.create_task(engine.wake.wait()), asyncio.create_task(stop.wait())]
        try:
            await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in waits:
                task.cancel()
