"""A hand-written fake `Sender` and a virtual clock, for fast engine tests (no network)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broadcasts.sender import Forbidden, Migrated, SendError, SendResult
from models.base import utcnow
from models.demo_data import generate_district
from models.groups import Group
from models.importer import import_tree
from models.tree import Level, Node


@dataclass(frozen=True)
class FakeMessage:
    chat_id: int
    message_id: int
    kind: str  # "text" or "photo"
    text: str | None
    photo: str | None = None
    pinned: bool = False
    at: float = 0.0


class FakeSender:
    """Records every accepted message per chat; faults are scripted per chat.

    - `fail(chat_id, *errors)`: the next calls to that chat raise these, in order;
    - `kick(chat_id)`: every call raises Forbidden;
    - `migrate(chat_id, new_id)`: every call to the old id raises Migrated(new_id);
    - `before_send` / `after_send`: awaitable hooks run before each call and after the
      message is recorded (an `after_send` that never returns is a message delivered whose
      answer never arrives: what a crash leaves behind);
    - `latency`: seconds each call takes (through `sleep`, so a virtual clock works)."""

    def __init__(
        self,
        *,
        latency: float = 0.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] | None = None,
        pin_error: str | None = None,
    ) -> None:
        self.latency = latency
        self._sleep = sleep
        self._clock = clock
        self.pin_error = pin_error
        self.sent: dict[int, list[FakeMessage]] = {}
        self.calls: list[tuple[int, str]] = []
        self._faults: dict[int, list[SendError]] = {}
        self.kicked: set[int] = set()
        self.migrated: dict[int, int] = {}
        self.before_send: Callable[[int], Awaitable[None]] | None = None
        self.after_send: Callable[[int], Awaitable[None]] | None = None
        self.in_flight = 0
        self.max_in_flight = 0
        self._next_id = 1000

    # --- scripting ------------------------------------------------------------------------
    def fail(self, chat_id: int, *errors: SendError) -> None:
        self._faults.setdefault(chat_id, []).extend(errors)

    def kick(self, chat_id: int) -> None:
        self.kicked.add(chat_id)

    def migrate(self, chat_id: int, new_chat_id: int) -> None:
        self.migrated[chat_id] = new_chat_id

    # --- reading --------------------------------------------------------------------------
    def messages(self, chat_id: int) -> list[FakeMessage]:
        return self.sent.get(chat_id, [])

    @property
    def total(self) -> int:
        return sum(len(m) for m in self.sent.values())

    # --- the Sender protocol --------------------------------------------------------------
    async def send_text(
        self, chat_id: int, text: str, *, pin: bool = False, reply_markup: Any = None
    ) -> SendResult:
        return await self._send(chat_id, "text", text, None, pin)

    async def send_photo(
        self,
        chat_id: int,
        photo: str,
        *,
        caption: str | None = None,
        pin: bool = False,
        reply_markup: Any = None,
    ) -> SendResult:
        return await self._send(chat_id, "photo", caption, photo, pin)

    async def _send(
        self, chat_id: int, kind: str, text: str | None, photo: str | None, pin: bool
    ) -> SendResult:
        self.calls.append((chat_id, kind))
        if self.before_send is not None:
            await self.before_send(chat_id)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.latency:
                await self._sleep(self.latency)
            queued = self._faults.get(chat_id)
            if queued:
                raise queued.pop(0)
            if chat_id in self.kicked:
                raise Forbidden("Forbidden: bot was kicked from the group chat")
            if chat_id in self.migrated:
                raise Migrated(self.migrated[chat_id])
            self._next_id += 1
            at = self._clock() if self._clock is not None else 0.0
            pinned = pin and self.pin_error is None
            message = FakeMessage(chat_id, self._next_id, kind, text, photo, pinned, at)
            self.sent.setdefault(chat_id, []).append(message)
            if self.after_send is not None:
                await self.after_send(chat_id)
            pin_error = self.pin_error if pin else None
            return SendResult(self._next_id, chat_id, pinned=pinned, pin_error=pin_error)
        finally:
            self.in_flight -= 1


class VirtualTime:
    """A monotonic clock whose `sleep` advances time instead of waiting (for limiter maths).

    Sleepers wake in time order: each `sleep` registers a wake-up time and the earliest one is
    released first, advancing the clock to it."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = 0
        self._driver: asyncio.Task[None] | None = None

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        self._seq += 1
        self._sleepers.append((self.now + max(0.0, seconds), self._seq, future))
        if self._driver is None or self._driver.done():
            self._driver = loop.create_task(self._drive())
        await future

    async def _drive(self) -> None:
        while self._sleepers:
            # Let every runnable task reach its next sleep before time moves on.
            for _ in range(20):
                await asyncio.sleep(0)
            if not self._sleepers:
                return
            self._sleepers.sort(key=lambda s: (s[0], s[1]))
            wake, _, future = self._sleepers.pop(0)
            self.now = max(self.now, wake)
            if not future.done():
                future.set_result(None)


CHAT_ID_BASE = 4_100_000_000  # fake basic-group ids: -(CHAT_ID_BASE + n), clear of the emulator's


def fake_chat_id(n: int) -> int:
    return -(CHAT_ID_BASE + n)


async def seed_district(
    session: AsyncSession, grids: int, *, seed: int = 7, with_staff: bool = True
) -> list[tuple[int, int, str]]:
    """Import a demo district of `grids` micro-grids and bind one active group to each.

    Returns (group id, chat id, title) in tree order. The caller commits."""
    nodes, staff = generate_district(grids=grids, seed=seed)
    await import_tree(session, nodes, staff if with_staff else [])
    result = await session.execute(
        select(col(Node.id), col(Node.code), col(Node.name))
        .where(col(Node.level) == Level.micro_grid)
        .order_by(col(Node.code))
    )
    now = utcnow()
    rows = [
        {
            "chat_id": fake_chat_id(n),
            "title": f"{code} {name}",
            "chat_type": "group",
            "node_id": node_id,
            "active": True,
            "added_at": now,
            "bound_at": now,
        }
        for n, (node_id, code, name) in enumerate(result.all(), start=1)
    ]
    table = Group.__table__  # type: ignore[attr-defined]
    for start in range(0, len(rows), 1000):
        await session.execute(insert(table), rows[start : start + 1000])
    result = await session.execute(
        select(col(Group.id), col(Group.chat_id), col(Group.title))
        .join(Node, col(Node.id) == col(Group.node_id))
        .order_by(col(Node.code), col(Group.id))
    )
    return [(int(g or 0), int(c), str(t)) for g, c, t in result.all()]
