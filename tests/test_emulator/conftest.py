"""Fixtures: a live emulator on a free port, its control client and an aiogram Bot."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from emulator import BotAPIEmulator, EmulatorClient
from emulator.clock import ManualClock

TOKEN = "123456:TEST-TOKEN"


@pytest.fixture
def token() -> str:
    return TOKEN


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def emu(clock: ManualClock) -> AsyncIterator[BotAPIEmulator]:
    emulator = BotAPIEmulator(token=TOKEN, port=0, bot_username="gridbot", clock=clock)
    await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.stop()


@pytest.fixture
async def group(client: EmulatorClient) -> dict[str, Any]:
    """A basic group with an owner, a member and the bot added by the owner."""
    owner = await client.create_user("王", username="wang_owner")
    member = await client.create_user("李", username="li_member")
    chat = await client.create_group("阳光小区 3 号楼")
    await client.set_member(chat["id"], owner["id"], "creator")
    await client.set_member(chat["id"], member["id"], "member")
    await client.add_bot(chat["id"], owner["id"])
    return {"chat": chat, "owner": owner, "member": member, "chat_id": chat["id"]}


Check = Callable[[], Awaitable[bool]]


async def _eventually(check: Check, timeout: float = 5.0) -> None:
    for _ in range(int(timeout / 0.02)):
        if await check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"condition not met within {timeout}s")


@pytest.fixture
def eventually() -> Callable[..., Awaitable[None]]:
    """``await eventually(async_check)`` polls every 20 ms until the check is true."""
    return _eventually
