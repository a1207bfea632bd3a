"""The engine's database side: read pending rows, claim them, and write outcomes, with group
commits so that one transaction serves every sender that is waiting.

Crash safety rests on one rule: a row is `sending` in a committed transaction before the
platform is called for it, and a sender asks to claim its next row only after it has handed in
the outcome of its previous one. Outcomes and claims are committed in the order they came in,
so when a claim is committed the same sender's previous outcome is committed too; at any
moment each sender holds at most one `sending` row, and after a crash the `sending` rows are
at most as many as there are senders.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker
from sqlmodel import col

from broadcasts.service import DELIVERY
from models.broadcasts import DeliveryStatus
from models.groups import Group

log = logging.getLogger("gridbot.broadcasts")


@dataclass(frozen=True)
class Row:
    """A pending outbox row as handed to a sender, with the group's current chat."""

    id: int
    broadcast_id: int
    group_id: int
    seq: int
    chat_id: int
    active: bool


@dataclass(frozen=True)
class Outcome:
    row: Row
    status: DeliveryStatus  # delivered, failed or skipped
    chat_id: int | None
    message_ids: tuple[int, ...] = ()
    error: str | None = None
    attempts: int = 0


async def fetch_pending(
    session: AsyncSession, broadcast_id: int, after_seq: int, limit: int
) -> list[Row]:
    result = await session.execute(
        select(
            DELIVERY.c.id,
            DELIVERY.c.group_id,
            DELIVERY.c.seq,
            col(Group.chat_id),
            col(Group.active),
        )
        .join(Group, col(Group.id) == DELIVERY.c.group_id)
        .where(
            DELIVERY.c.broadcast_id == broadcast_id,
            DELIVERY.c.status == DeliveryStatus.pending.value,
            DELIVERY.c.seq > after_seq,
        )
        .order_by(DELIVERY.c.seq)
        .limit(limit)
    )
    return [
        Row(int(i), broadcast_id, int(g), int(s), int(c), bool(a))
        for i, g, s, c, a in result.all()
    ]


_APPLY = (
    update(DELIVERY)
    .where(DELIVERY.c.id == bindparam("row_id"))
    .values(
        status=bindparam("new_status"),
        chat_id=bindparam("new_chat_id"),
        message_id=bindparam("new_message_id"),
        message_ids=bindparam("new_message_ids"),
        error=bindparam("new_error"),
        attempts=DELIVERY.c.attempts + bindparam("new_attempts"),
        finished_at=bindparam("new_finished_at"),
    )
)


class OutboxWriter:
    """Group commits of outcomes (fire and forget) and claims (awaited)."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        now: Callable[[], datetime],
        on_committed: Callable[[list[Outcome], list[int]], None],
        *,
        linger: float = 0.0,
        batch_target: int = 1,
        outcome_delay: float = 0.0,
    ) -> None:
        self._factory = session_factory
        bind = session_factory.kw.get("bind")
        self._engine = bind if isinstance(bind, AsyncEngine) else None
        self._conn: AsyncConnection | None = None  # held while running: no pool round trips
        self._fast: _AiosqliteBatch | None = None
        self._linger = linger
        self._last_commit = float("-inf")
        self._outcome_delay = outcome_delay
        self._timer: asyncio.TimerHandle | None = None
        self._batch_target = batch_target
        self._now = now
        self._on_committed = on_committed
        self._outcomes: list[Outcome] = []
        self._claims: list[tuple[int, asyncio.Future[bool]]] = []
        self._flushes: list[asyncio.Future[None]] = []
        self._wake = asyncio.Event()
        self._closed = False
        self._busy = False  # a batch is being committed
        self.commits = 0

    def record(self, outcome: Outcome) -> None:
        """Hand in an outcome; it is committed with the next claims, or within
        `outcome_delay` if no claim comes (so a quiet engine does not commit twice per row)."""
        self._outcomes.append(outcome)
        if self._outcome_delay <= 0:
            self._wake.set()
        elif self._timer is None:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(self._outcome_delay, self._timer_fired)

    def _timer_fired(self) -> None:
        self._timer = None
        self._wake.set()

    async def claim(self, row_id: int) -> bool:
        """Mark the row `sending` (committed); False if it is no longer pending."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._claims.append((row_id, future))
        self._wake.set()
        return await future

    async def flush(self) -> None:
        """Return once everything handed in so far is committed."""
        if not self._outcomes and not self._claims and not self._busy:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._flushes.append(future)
        self._wake.set()
        await future

    async def run(self) -> None:
        try:
            await self._run()
        finally:
            if self._conn is not None:
                await self._conn.close()
                self._conn = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            outcomes_due = bool(self._outcomes) and (self._timer is None or self._closed)
            if not (self._claims or self._flushes or outcomes_due):
                if self._closed:
                    return
                self._wake.clear()
                await self._wake.wait()
                continue
            if (
                self._linger
                and len(self._claims) < self._batch_target
                and not self._flushes
                and loop.time() - self._last_commit < 4 * self._linger
            ):
                # Under load (commits follow each other closely), wait a moment so that one
                # commit serves several senders; at low rates, commit at once.
                await asyncio.sleep(self._linger)
            outcomes, self._outcomes = self._outcomes, []
            claims, self._claims = self._claims, []
            flushes, self._flushes = self._flushes, []
            self._busy = True
            try:
                if outcomes or claims:
                    claimed = await self._commit(outcomes, [row_id for row_id, _ in claims])
                else:
                    claimed = set()  # only flushes: the batch before them is committed
            except Exception as exc:
                log.exception("broadcast outbox write failed")
                for _, future in claims:
                    if not future.done():
                        future.set_exception(exc)
                for flushed in flushes:
                    if not flushed.done():
                        flushed.set_exception(exc)
                raise
            finally:
                self._busy = False
            self.commits += 1
            self._last_commit = loop.time()
            self._on_committed(outcomes, [row_id for row_id, _ in claims])
            for row_id, future in claims:
                if not future.done():
                    future.set_result(row_id in claimed)
            for flushed in flushes:
                if not flushed.done():
                    flushed.set_result(None)

    def close(self) -> None:
        self._closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._wake.set()

    async def _commit(self, outcomes: list[Outcome], claim_ids: list[int]) -> set[int]:
        if self._engine is None:
            async with self._factory() as session:
                try:
                    claimed = await _write(session, outcomes, claim_ids, self._now())
                    await session.commit()
                except BaseException:
                    await session.rollback()
                    raise
            return claimed
        if self._conn is None:
            self._conn = await self._engine.connect()
            self._fast = await _AiosqliteBatch.create(self._conn)
        try:
            if self._fast is not None:
                return await self._fast.commit(outcomes, claim_ids, self._now())
            async with self._conn.begin():
                return await _write(self._conn, outcomes, claim_ids, self._now())
        except BaseException:
            conn, self._conn, self._fast = self._conn, None, None
            with contextlib.suppress(Exception):
                await conn.close()
            raise


async def _write(
    db: AsyncConnection | AsyncSession,
    outcomes: list[Outcome],
    claim_ids: list[int],
    now: datetime,
) -> set[int]:
    if outcomes:
        await db.execute(_APPLY, [_params(o, now) for o in outcomes])
    if not claim_ids:
        return set()
    result = await db.execute(
        update(DELIVERY)
        .where(
            DELIVERY.c.id.in_(claim_ids),
            DELIVERY.c.status == DeliveryStatus.pending.value,
        )
        .values(status=DeliveryStatus.sending.value)
        .returning(DELIVERY.c.id)
    )
    return {int(i) for (i,) in result.all()}


class _AiosqliteBatch:
    """The same writes on SQLite, straight through aiosqlite: 3 thread hops per commit.

    aiosqlite runs every call on its own thread; through SQLAlchemy's adapter a commit of
    outcomes and claims costs about 8 hand-overs between the threads, and at 1,000 rows/s
    those hand-overs (GIL and context switches) cost more CPU than the SQL. The statements are
    the ones above, compiled once by SQLAlchemy for this dialect."""

    def __init__(self, raw: Any, dialect: Dialect) -> None:
        self._raw = raw
        compiled = _APPLY.compile(dialect=dialect)
        self._apply_sql = compiled.string
        self._apply_order = list(compiled.positiontup or [])
        self._when = DELIVERY.c.finished_at.type.bind_processor(dialect)
        c = DELIVERY.c
        self._claim_head = (
            f"UPDATE {DELIVERY.name} SET {c.status.name} = ? "
            f"WHERE {c.status.name} = ? AND {c.id.name} IN "
        )
        self._claim_tail = f" RETURNING {c.id.name}"

    @classmethod
    async def create(cls, conn: AsyncConnection) -> _AiosqliteBatch | None:
        dialect = conn.dialect
        if dialect.name != "sqlite" or dialect.driver != "aiosqlite":
            return None
        raw = (await conn.get_raw_connection()).driver_connection
        wanted = ("executemany", "execute_fetchall", "commit", "rollback")
        if not all(hasattr(raw, name) for name in wanted):
            return None
        return cls(raw, dialect)

    async def commit(
        self, outcomes: list[Outcome], claim_ids: list[int], now: datetime
    ) -> set[int]:
        raw = self._raw
        try:
            if outcomes:
                stamp = self._when(now) if self._when is not None else now
                rows = []
                for outcome in outcomes:
                    params = _params(outcome, stamp)
                    rows.append([params[name] for name in self._apply_order])
                await raw.executemany(self._apply_sql, rows)
            claimed: set[int] = set()
            if claim_ids:
                marks = ",".join("?" * len(claim_ids))
                found = await raw.execute_fetchall(
                    f"{self._claim_head}({marks}){self._claim_tail}",
                    [DeliveryStatus.sending.value, DeliveryStatus.pending.value, *claim_ids],
                )
                claimed = {int(row[0]) for row in found}
            await raw.commit()
        except BaseException:
            with contextlib.suppress(Exception):
                await raw.rollback()
            raise
        return claimed


def _params(outcome: Outcome, now: object) -> dict[str, object]:
    ids = outcome.message_ids
    return {
        "row_id": outcome.row.id,
        "new_status": outcome.status.value,
        "new_chat_id": outcome.chat_id,
        "new_message_id": ids[0] if ids else None,
        "new_message_ids": json.dumps(list(ids)) if len(ids) > 1 else None,
        "new_error": outcome.error,
        "new_attempts": outcome.attempts,
        "new_finished_at": now,
    }
