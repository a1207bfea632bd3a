"""Delivering one outbox row: its copy's steps in order, one rate-limit slot per platform call,
with the platform's answers handled as channels/port.py says.

The row is claimed (committed `sending`) inside the first slot, before the first call. A 429
holds back that chat only (the limiter's `pause_chat`) and retries; a 403 marks the group
inactive and fails the row; a migration moves the group record to the new chat id and retries
there (an edit sends the change there as a new message instead: its copy stayed behind);
network errors and 5xx back off and retry up to `max_attempts`; any other refusal fails the
row, unless the step has a fallback (a photo that cannot be deleted gets the text as its
caption instead).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from broadcasts.counting import INACTIVE_REASON
from broadcasts.jobs import MOVED, Job
from broadcasts.limiter import RateLimiter
from broadcasts.outbox import OutboxWriter, Outcome
from broadcasts.steps import Step, perform
from channels.port import BadRequest, Forbidden, Migrated, RetryAfter, Sender, SendError
from models.broadcasts import DeliveryStatus
from models.group_service import follow_migration
from models.groups import Group

if TYPE_CHECKING:
    from broadcasts.engine import EngineConfig

log = logging.getLogger("gridbot.broadcasts")


@dataclass
class _Attempt:
    """One row on its way through its steps."""

    job: Job
    chat_id: int
    steps: list[Step]
    done: int = 0
    ids: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    calls: int = 0
    transient: int = 0
    floods: int = 0
    migrations: int = 0

    def failed(self, reason: str) -> Outcome:
        if self.done:
            noun = "edit step(s) done" if self.job.edit else "part(s) delivered"
            reason = f"only {self.done} {noun}: {reason}"
        status, ids = DeliveryStatus.failed, tuple(self.ids)
        return Outcome(self.job.row, status, self.chat_id, ids, reason, self.calls)

    def delivered(self) -> Outcome:
        status, ids, note = DeliveryStatus.delivered, tuple(self.ids), "; ".join(self.notes)
        return Outcome(self.job.row, status, self.chat_id, ids, note or None, self.calls)


class Deliverer:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        sender: Sender,
        limiter: RateLimiter,
        config: EngineConfig,
        now: Callable[[], datetime],
        sleep: Callable[[float], Awaitable[None]],
    ) -> None:
        self._factory = session_factory
        self._sender = sender
        self.limiter = limiter
        self._config = config
        self._now = now
        self._sleep = sleep

    async def deliver(self, job: Job, writer: OutboxWriter) -> Outcome | None:
        """The row's outcome, or None if it was no longer pending when claimed."""
        row = job.row
        if not row.active:
            return Outcome(row, DeliveryStatus.skipped, row.chat_id, error=INACTIVE_REASON)
        attempt = _Attempt(job, job.chat_id, list(job.steps))
        if job.note:
            attempt.notes.append(job.note)
        if job.problem is not None:
            if not await writer.claim(row.id):
                return None
            if job.skip:
                return Outcome(row, DeliveryStatus.skipped, job.chat_id, error=job.problem)
            return attempt.failed(job.problem)
        claimed = False
        while attempt.done < len(attempt.steps):
            step = attempt.steps[attempt.done]
            try:
                async with self.limiter.slot(attempt.chat_id):
                    if not claimed:
                        if not await writer.claim(row.id):
                            return None
                        claimed = True
                    attempt.calls += 1
                    result = await perform(self._sender, step, attempt.chat_id)
            except Exception as exc:
                if not claimed:
                    raise  # the claim itself failed: a database error stops the engine
                ended = await self._answer(attempt, step, exc)
                if ended is not None:
                    return ended
                continue
            attempt.done += 1
            if result.message_id is not None:
                attempt.ids.append(result.message_id)
            if result.note:
                attempt.notes.append(result.note)
        return attempt.delivered()

    async def _answer(self, attempt: _Attempt, step: Step, exc: Exception) -> Outcome | None:
        """The row's end after this error, or None to go on (retry, or the fallback step)."""
        cfg, chat_id = self._config, attempt.chat_id
        if isinstance(exc, RetryAfter):
            attempt.floods += 1
            self.limiter.pause_chat(chat_id, exc.seconds + cfg.flood_extra)
            log.warning("429 in chat %s: that chat waits %.1f s", chat_id, exc.seconds)
            if attempt.floods > cfg.max_flood_waits:
                return attempt.failed(f"flood control {attempt.floods} times: {exc.reason}")
            return None
        if isinstance(exc, Migrated):
            attempt.migrations += 1
            await self._follow_migration(attempt.job.row.group_id, chat_id, exc.new_chat_id)
            attempt.chat_id = exc.new_chat_id
            if attempt.job.moved and attempt.done == 0:  # an edit: its copy stayed behind
                attempt.steps = list(attempt.job.moved)
                attempt.notes.append(MOVED)
            return attempt.failed(exc.reason) if attempt.migrations > cfg.max_migrations else None
        if isinstance(exc, Forbidden):
            await self._deactivate(attempt.job.row.group_id)
            return attempt.failed(exc.reason)
        if isinstance(exc, BadRequest):
            if step.fallback is None:
                return attempt.failed(exc.reason)
            attempt.steps[attempt.done] = step.fallback
            attempt.notes.append(f"{step.action} refused ({exc.reason}): {step.fallback.action}")
            return None
        # Transient, or an adapter bug: retried with backoff.
        attempt.transient += 1
        reason = exc.reason if isinstance(exc, SendError) else repr(exc)
        if attempt.transient >= cfg.max_attempts:
            return attempt.failed(f"gave up after {attempt.transient} attempts: {reason}")
        await self._sleep(min(cfg.backoff_cap, cfg.backoff_base * 2 ** (attempt.transient - 1)))
        return None

    async def _deactivate(self, group_id: int) -> None:
        async with self._factory() as session:
            await session.execute(
                update(Group)
                .where(col(Group.id) == group_id, col(Group.active).is_(True))
                .values(active=False, left_at=self._now())
            )
            await session.commit()

    async def _follow_migration(self, group_id: int, old_chat_id: int, new_chat_id: int) -> None:
        """The same group record follows the chat to its new id (if no other record holds it)."""
        try:
            async with self._factory() as session:
                group = await session.get(Group, group_id)
                if group is not None and group.chat_id == old_chat_id:
                    await follow_migration(session, old_chat_id, new_chat_id, group.title)
                await session.commit()
        except Exception:
            log.exception(
                "could not move group %d to chat %d; sending there anyway", group_id, new_chat_id
            )
