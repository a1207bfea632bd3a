"""The courier: delivers the outbox's committed rows, in order per chat, within the send budget.

Each chat is served by at most one task at a time, so its messages arrive in the order they
were written; chats do not wait for each other. Outcomes (channels/port.py):

- a 429 (`RetryAfter`) holds back that chat only, for the time the platform asked;
- a 5xx, timeout or network error (`Transient`) is retried with exponential backoff, at most
  `max_attempts` times, then the row fails with one ERROR log line;
- a reply whose original message is gone is sent again without the reply link;
- a refusal (`Forbidden`) fails the row and tells the hooks (an unreachable person);
- a group that became a supergroup (`Migrated`) gets the row at its new id.

A row is marked `sending` (committed) just before its request leaves; a crash between that and
the `sent` mark leaves it `sending`, and the next start sends it again, flagged
possibly_duplicate. Rows not yet attempted stay `pending` and go once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from channels.port import (
    BadRequest,
    Forbidden,
    MessageChannel,
    Migrated,
    Outgoing,
    RetryAfter,
    SendError,
    Transient,
)
from core.db import in_transaction
from models.outgoing import OutgoingMessage, OutKind, OutStatus, Priority
from outbox import rows as states
from outbox.write import decode_buttons

log = logging.getLogger("gridbot.outbox")

Now = Callable[[], datetime]
REPLY_GONE = ("replied message not found", "message to be replied not found")


class Budget(Protocol):
    """The bot's send budget (broadcasts/limiter.RateLimiter): one slot per platform call."""

    def slot(
        self, chat_id: int, *, urgent: bool = False
    ) -> contextlib.AbstractAsyncContextManager[None]: ...


class Hooks(Protocol):
    """What the domain does when a row's fate is known (in the courier's own transaction)."""

    async def on_sent(self, session: AsyncSession, row: OutgoingMessage) -> None: ...

    async def on_refused(self, session: AsyncSession, row: OutgoingMessage) -> None: ...

    async def on_migrated(self, session: AsyncSession, old_chat: int, new_chat: int) -> None: ...


class NoHooks:
    async def on_sent(self, session: AsyncSession, row: OutgoingMessage) -> None:
        return None

    async def on_refused(self, session: AsyncSession, row: OutgoingMessage) -> None:
        return None

    async def on_migrated(self, session: AsyncSession, old_chat: int, new_chat: int) -> None:
        return None


class Courier:
    def __init__(
        self,
        factory: async_sessionmaker[AsyncSession],
        channel: MessageChannel,
        *,
        now: Now,
        limiter: Budget | None = None,
        hooks: Hooks | None = None,
        concurrency: int = 16,
        max_attempts: int = 6,
        poll_seconds: float = 1.0,
    ) -> None:
        self._factory = factory
        self._channel = channel
        self._now = now
        self._limiter = limiter
        self._hooks: Hooks = hooks or NoHooks()
        self._concurrency = concurrency
        self.max_attempts = max_attempts
        self._poll = poll_seconds
        self._wake = asyncio.Event()
        self._busy: dict[int, asyncio.Task[None]] = {}
        self.sent = 0
        self.failed = 0

    def wake(self) -> None:
        """Something was committed: look now instead of at the next poll."""
        self._wake.set()

    async def recover(self) -> int:
        """Rows a crash left `sending` go again, flagged as possibly duplicated."""
        count = await in_transaction(self._factory, states.recover)
        if count:
            log.warning("%d outgoing messages were in flight at a crash: sent again", count)
        return count

    async def serve(self, stop: asyncio.Event) -> None:
        await self.recover()
        while not stop.is_set():
            self._wake.clear()
            started = await self.run_once()
            if started == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wait(stop), self._poll)
        await self.drain()

    async def _wait(self, stop: asyncio.Event) -> None:
        waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()

    async def drain(self) -> None:
        """Wait for the chats being served now (tests; a clean stop)."""
        while self._busy:
            await asyncio.gather(*list(self._busy.values()), return_exceptions=True)

    async def run_once(self) -> int:
        """Claim due rows of idle chats and start a task per chat; returns the tasks started."""
        free = self._concurrency - len(self._busy)
        if free <= 0:
            return 0
        batches = await self._claim(free)
        for chat_id, rows in batches.items():
            task = asyncio.create_task(self._serve_chat(chat_id, rows), name=f"chat {chat_id}")
            self._busy[chat_id] = task
        return len(batches)

    async def deliver_all(self, timeout: float = 10.0) -> None:
        """Send every due row and wait for it (CLI commands, tests)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            if await self.run_once() == 0 and not self._busy:
                return
            await self.drain()

    async def _claim(self, limit: int) -> states.Batches:
        busy = list(self._busy)
        return await in_transaction(
            self._factory, lambda s: states.due_batches(s, self._now(), limit, busy)
        )

    async def _serve_chat(self, chat_id: int, rows: list[OutgoingMessage]) -> None:
        index = 0
        try:
            claimed = True  # _claim marked the first row
            for index, row in enumerate(rows):
                following = rows[index + 1] if index + 1 < len(rows) else None
                go_on, claimed = await self._deliver(row, claimed, following)
                if not go_on:
                    return  # the rest of this chat's rows stay pending, in order
        except Exception:
            log.exception("courier: chat %s failed unexpectedly; its rows go back", chat_id)
            await self._release(rows[index], rows[index + 1 :])
        finally:
            self._busy.pop(chat_id, None)
            self._wake.set()

    async def _deliver(
        self, row: OutgoingMessage, claimed: bool, following: OutgoingMessage | None = None
    ) -> tuple[bool, bool]:
        """Send one row (marked `sending` already if `claimed`) and record the outcome, marking
        `following` as sending in the same transaction when it went well. Returns whether
        to go on with this chat's rows, and whether `following` is claimed."""
        if not claimed and not await self._mark_sending(row):
            return True, False  # no longer pending (sent or cancelled elsewhere)
        message = await self._message(row)
        if message is None:
            return True, False
        try:
            urgent = row.priority <= Priority.notice
            async with (
                self._limiter.slot(row.chat_id, urgent=urgent)
                if self._limiter
                else (contextlib.nullcontext())
            ):
                message_id = await self._channel.deliver(message)
        except SendError as exc:
            return await self._failed(row, exc), False
        return True, await self._mark_sent(row, message_id, following)

    async def _message(self, row: OutgoingMessage) -> Outgoing | None:
        message_id = row.message_id
        if row.edit_of is not None and message_id is None:
            edit_of = row.edit_of
            original = await in_transaction(
                self._factory, lambda s: s.get(OutgoingMessage, edit_of)
            )
            if original is None or original.status == OutStatus.failed:
                await self._finish(row, OutStatus.failed, "the message to edit was never sent")
                return None
            if original.sent_message_id is None:
                await self._retry(row, timedelta(seconds=0.5), row.attempts)
                return None
            message_id = original.sent_message_id
        return Outgoing(
            kind=row.kind.value,
            chat_id=row.chat_id,
            text=row.text,
            html=row.html,
            buttons=decode_buttons(row.buttons),
            reply_to=row.reply_to,
            message_id=message_id,
            file_name=row.file_name,
            file_data=row.file_data,
        )

    async def _failed(self, row: OutgoingMessage, exc: SendError) -> bool:
        if isinstance(exc, RetryAfter):
            await self._retry(row, timedelta(seconds=exc.seconds), row.attempts)
            return False
        if isinstance(exc, Migrated):
            old, new = row.chat_id, exc.new_chat_id

            async def migrate(session: AsyncSession) -> None:
                await self._hooks.on_migrated(session, old, new)
                await states.move_chat(session, old, new)

            await in_transaction(self._factory, migrate)
            row.chat_id = exc.new_chat_id
            await self._retry(row, timedelta(0), row.attempts)
            return False
        if isinstance(exc, BadRequest) and row.reply_to and _reply_gone(exc.reason):
            row.reply_to = None
            await in_transaction(self._factory, lambda s: states.set_row(s, row, reply_to=None))
            go_on, _claimed = await self._deliver(row, claimed=True)
            return go_on
        if isinstance(exc, Transient) and row.attempts + 1 < self.max_attempts:
            delay = timedelta(seconds=min(60.0, 0.5 * 2**row.attempts))
            await self._retry(row, delay, row.attempts + 1)
            return False
        await self._finish(row, OutStatus.failed, exc.reason)
        if isinstance(exc, Forbidden):
            log.warning("chat %s refused a message: %s", row.chat_id, exc.reason)
            await in_transaction(self._factory, lambda s: self._hooks.on_refused(s, row))
            return True  # the chat's other rows meet the same answer one by one
        log.error(
            "message %s to chat %s failed for good after %d attempts: %s",
            row.id,
            row.chat_id,
            row.attempts + 1,
            exc.reason,
        )
        return isinstance(exc, BadRequest)

    async def _mark_sending(self, row: OutgoingMessage) -> bool:
        """Committed just before the request leaves: a crash from here on makes the row a
        possible duplicate at the next start, and only this row."""
        return await in_transaction(self._factory, lambda s: states.claim_row(s, row))

    async def _retry(self, row: OutgoingMessage, delay: timedelta, attempts: int) -> None:
        values = {"status": OutStatus.pending, "not_before": self._now() + delay}
        await in_transaction(
            self._factory, lambda s: states.set_row(s, row, **values, attempts=attempts)
        )

    async def _release(self, current: OutgoingMessage, untried: list[OutgoingMessage]) -> None:
        """After an unexpected failure: rows not tried go back as they were; the current one,
        whose request may have left, goes back flagged as a possible duplicate."""

        async def work(session: AsyncSession) -> None:
            await states.release(session, untried)
            await states.release(session, [current], possibly_duplicate=True)

        await in_transaction(self._factory, work)

    async def _mark_sent(
        self, row: OutgoingMessage, message_id: int, following: OutgoingMessage | None
    ) -> bool:
        """Record the send (and its hooks); claim the chat's next row in the same transaction."""
        self.sent += 1
        sent_at = self._now()

        async def work(session: AsyncSession) -> bool:
            await states.set_row(
                session,
                row,
                status=OutStatus.sent,
                sent_at=sent_at,
                sent_message_id=message_id or None,
                file_data=None,  # a sent file need not be kept
            )
            if row.purpose:
                row.sent_message_id = message_id
                await self._hooks.on_sent(session, row)
            return following is not None and await states.claim_row(session, following)

        return await in_transaction(self._factory, work)

    async def _finish(self, row: OutgoingMessage, status: OutStatus, error: str) -> None:
        self.failed += 1
        row.sent_at = self._now()
        values = {"status": status, "error": error[:1000], "sent_at": row.sent_at}
        await in_transaction(self._factory, lambda s: states.set_row(s, row, **values))


def _reply_gone(reason: str) -> bool:
    lowered = reason.lower()
    return any(text in lowered for text in REPLY_GONE)


__all__ = ["Courier", "Hooks", "NoHooks", "OutKind"]
