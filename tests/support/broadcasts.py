"""Test helpers: the fake `Sender` (broadcasts/fake_sender.py), a virtual clock, and a seeded
district with one bound group per micro-grid."""

from __future__ import annotations

import asyncio

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.base import utcnow
from models.demo_data import generate_district
from models.groups import Group
from models.importer import import_tree
from models.tree import Level, Node
from tests.support.fake_sender import FakeMessage, FakeSender

__all__ = [
    "CHAT_ID_BASE",
    "FakeMessage",
    "FakeSender",
    "VirtualTime",
    "fake_chat_id",
    "seed_district",
]


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
