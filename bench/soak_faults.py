"""The faults of bench/fault_soak.py, and its database: made, killed, counted, dropped."""

from __future__ import annotations

import argparse
import asyncio
import random
from typing import Any

import asyncpg

from emulator import EmulatorClient

SERVER = "postgresql://127.0.0.1:5432/test"


def plain(url: str) -> str:
    """The asyncpg form of a SQLAlchemy URL."""
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def _on_server(statement: str) -> None:
    conn = await asyncpg.connect(SERVER)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


async def fresh_database(name: str) -> str:
    await _on_server(f'CREATE DATABASE "{name}"')
    return f"postgresql+asyncpg://127.0.0.1:5432/{name}"


async def drop_database(name: str) -> None:
    await _on_server(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def terminate_connections(url: str) -> int:
    """Terminate every other server connection to the database; how many there were."""
    conn = await asyncpg.connect(plain(url))
    try:
        rows = await conn.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return len(rows)
    finally:
        await conn.close()


async def count_rows(url: str) -> tuple[set[tuple[int, int]], int, int]:
    """(group chat, report message) of every ticket; outbox rows flagged possibly_duplicate;
    updates still pending in the inbox."""
    conn = await asyncpg.connect(plain(url))
    try:
        tickets = await conn.fetch(
            "SELECT g.chat_id, t.source_message_id FROM ticket t"
            " JOIN chat_group g ON g.id = t.group_id"
        )
        flagged = await conn.fetchval(
            "SELECT count(*) FROM outgoing_message WHERE possibly_duplicate"
        )
        pending = await conn.fetchval("SELECT count(*) FROM inbox_update WHERE status = 'pending'")
        return {(int(r[0]), int(r[1] or 0)) for r in tickets}, int(flagged), int(pending)
    finally:
        await conn.close()


class Chaos:
    """429s, 403s and random 500s in the emulator; the database's connections cut."""

    def __init__(
        self,
        client: EmulatorClient,
        url: str,
        rng: random.Random,
        chats: list[int],
        people: list[int],
        args: argparse.Namespace,
    ) -> None:
        self.client, self.url, self.rng, self.args = client, url, rng, args
        every = chats + people
        share = max(1, round(len(every) * 0.05))
        self.flooded = rng.sample(every, share)  # 5 %: a 429 at some moment
        rest = [c for c in every if c not in self.flooded]
        self.blocked = [rng.choice([p for p in people if p in rest])]  # 403 from the start
        self.leaving = rng.choice([c for c in chats if c in rest])  # 403 from half-way
        self.gone: set[int] = set()
        self.db_kills = self.terminated = self.random_500 = 0

    async def begin(self) -> None:
        await self.client.set_chaos(0.02, seed=11)
        for person in self.blocked:
            await self.client.block_bot(person)

    async def run(self) -> None:
        try:
            await asyncio.gather(self._floods(), self._leave(), self._cut_database())
        finally:
            self.random_500 = int((await self.client.set_chaos(0.0))["random_server_errors"])

    async def _floods(self) -> None:
        moments = sorted((self.rng.uniform(0, self.args.seconds), c) for c in self.flooded)
        start = asyncio.get_running_loop().time()
        for moment, chat in moments:
            await asyncio.sleep(max(0.0, start + moment - asyncio.get_running_loop().time()))
            await self.client.set_fault(chat, "flood", count=2, retry_after=3)

    async def _leave(self) -> None:
        await asyncio.sleep(self.args.seconds / 2)
        await self.client.set_fault(self.leaving, "kicked")
        self.gone.add(self.leaving)

    async def _cut_database(self) -> None:
        while True:
            await asyncio.sleep(self.args.db_kill_every)
            self.terminated += await terminate_connections(self.url)
            self.db_kills += 1
            print(f"cut the database connections ({self.terminated} so far)", flush=True)

    def describe(self) -> dict[str, Any]:
        return {"flooded": len(self.flooded), "blocked": self.blocked, "left": self.leaving}
