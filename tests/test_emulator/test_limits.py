"""Flood limits: 30 sends/s globally, 20/min per group, with Telegram's 429 shape."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramRetryAfter

from emulator import BotAPIEmulator, EmulatorClient
from emulator.clock import ManualClock


async def send_raw(emu: BotAPIEmulator, chat_id: int, text: str = "x") -> tuple[int, Any]:
    async with aiohttp.ClientSession() as http:
        url = f"{emu.base_url}/bot{emu.token}/sendMessage"
        async with http.post(url, data={"chat_id": str(chat_id), "text": text}) as response:
            return response.status, await response.json()


async def private_users(client: EmulatorClient, count: int) -> list[int]:
    ids = []
    for n in range(count):
        user = await client.create_user(f"居民{n}")
        await client.start_private(user["id"])
        ids.append(user["id"])
    return ids


async def test_global_limit_per_second(
    bot: Bot, client: EmulatorClient, clock: ManualClock
) -> None:
    users = await private_users(client, 31)
    for user_id in users[:30]:
        clock.advance(0.01)
        await bot.send_message(user_id, "通知")
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(users[30], "通知")
    assert caught.value.retry_after == 1
    clock.advance(0.75)  # the first send is now more than 1.0 s old
    await bot.send_message(users[30], "通知")
    stats = await client.stats()
    assert stats["http_429"] == 1 and stats["calls"]["sendMessage"] == 32


async def test_per_chat_limit_per_minute(
    emu: BotAPIEmulator, client: EmulatorClient, clock: ManualClock, group: dict[str, Any]
) -> None:
    chat_id = group["chat_id"]
    for _ in range(20):
        clock.advance(1.0)
        status, _ = await send_raw(emu, chat_id)
        assert status == 200
    status, body = await send_raw(emu, chat_id)
    assert status == 429
    assert body == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 41",
        "parameters": {"retry_after": 41},
    }
    clock.advance(40.5)  # rejected calls did not count: window frees after the first send
    status, body = await send_raw(emu, chat_id)
    assert status == 429 and body["parameters"]["retry_after"] == 1
    clock.advance(0.5)
    status, _ = await send_raw(emu, chat_id)
    assert status == 200
    assert (await client.stats())["sent_per_chat"][str(chat_id)] == 21


async def test_private_chats_only_have_the_global_limit(
    bot: Bot, client: EmulatorClient, clock: ManualClock
) -> None:
    [user_id] = await private_users(client, 1)
    for _ in range(25):
        clock.advance(0.05)
        await bot.send_message(user_id, "x")


async def test_limits_configurable_at_runtime(
    bot: Bot, client: EmulatorClient, clock: ManualClock, group: dict[str, Any]
) -> None:
    chat_id = group["chat_id"]
    config = await client.set_limits(per_chat_per_minute=2)
    assert config["per_chat_per_minute"] == 2 and config["enabled"] is True
    await bot.send_message(chat_id, "1")
    await bot.send_message(chat_id, "2")
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(chat_id, "3")
    assert caught.value.retry_after == 60
    await client.set_limits(enabled=False)
    for n in range(40):
        await bot.send_message(chat_id, str(n))
    assert await bot.send_chat_action(chat_id, "typing")
