"""A running world for end-to-end tests: emulator, real bot over HTTP, a small district."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.runtime import BotRuntime
from core.clock import FakeClock
from core.config import Settings
from core.db import make_engine, make_session_factory, session_scope
from emulator import BotAPIEmulator, EmulatorClient
from models.demo_data import generate_district
from models.importer import import_tree

TOKEN = "123456:TEST-TOKEN"


@dataclass
class World:
    emu: BotAPIEmulator
    client: EmulatorClient
    settings: Settings
    clock: FakeClock
    runtime: BotRuntime | None = None
    _unsubscribe: Callable[[], None] | None = None

    @property
    def db(self) -> async_sessionmaker[AsyncSession]:
        assert self.runtime is not None
        return self.runtime.session_factory

    async def start(self, webhook: bool = False) -> None:
        """(Re)start the bot process against the same emulator and database."""
        self.runtime = BotRuntime(self.settings, clock=self.clock)
        # The engine sleeps until the next scheduled broadcast's time by the real clock; when
        # the fake clock jumps, it looks at the outbox again, as it would once that time came.
        self._unsubscribe = self.clock.on_advance(self.runtime.broadcasts.notify)
        if webhook:
            await self.runtime.start_webhook()
        else:
            await self.runtime.start_polling()

    async def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self.runtime is not None:
            await self.runtime.stop()
            self.runtime = None

    async def staff(self, telegram_id: int, name: str) -> dict[str, Any]:
        return await self.client.create_user(name, id=telegram_id)

    async def group_with_bot(self, title: str, added_by: dict[str, Any]) -> dict[str, Any]:
        chat = await self.client.create_group(title)
        await self.client.set_member(chat["id"], added_by["id"], "creator")
        await self.client.add_bot(chat["id"], added_by["id"])
        await self.client.wait_for(chat["id"], contains="/bind")
        return chat


def make_settings(database_url: str, api_base: str) -> Settings:
    return Settings(
        telegram={"api_base": api_base, "token": TOKEN, "polling_timeout": 1},
        database={"url": database_url},
    )


async def import_small_district(database_url: str) -> None:
    engine = make_engine(database_url)
    nodes, staff = generate_district(grids=8)
    async with session_scope(make_session_factory(engine)) as session:
        await import_tree(session, nodes, staff)
    await engine.dispose()


@pytest.fixture
async def emu() -> AsyncIterator[BotAPIEmulator]:
    emulator = BotAPIEmulator(token=TOKEN, bot_username="gridbot")
    await emulator.start()
    yield emulator
    await emulator.stop()


@pytest.fixture
async def world(database_url: str, emu: BotAPIEmulator) -> AsyncIterator[World]:
    await import_small_district(database_url)
    client = EmulatorClient(emu.base_url)
    w = World(
        emu=emu,
        client=client,
        settings=make_settings(database_url, emu.base_url),
        clock=FakeClock(),
    )
    await w.start()
    yield w
    await w.stop()
    await client.close()
