"""Control-API conveniences: wait_for, events, reset, chat state, the CLI entry point."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiogram import Bot

from emulator import BotAPIEmulator, EmulatorClient
from emulator.client import EmulatorControlError


async def test_wait_for_new_message_and_timeout(
    bot: Bot, client: EmulatorClient, group: dict[str, Any]
) -> None:
    chat_id = group["chat_id"]
    first = await bot.send_message(chat_id, "工单已创建")
    entry = await client.wait_for(chat_id, contains="工单")
    assert entry["message_id"] == first.message_id

    async def later() -> None:
        await asyncio.sleep(0.1)
        await bot.send_message(chat_id, "工单已派发")

    task = asyncio.create_task(later())
    newer = await client.wait_for(chat_id, contains="工单", after_message_id=first.message_id)
    await task
    assert newer["text"] == "工单已派发"
    with pytest.raises(AssertionError, match=r"(?s)no bot message.*工单已派发"):
        await client.wait_for(chat_id, contains="不存在", timeout=0.1)
    match = await client.wait_for(chat_id, predicate=lambda e: e["text"].endswith("创建"))
    assert match["message_id"] == first.message_id


async def test_events_long_poll(bot: Bot, client: EmulatorClient, group: dict[str, Any]) -> None:
    chat_id = group["chat_id"]
    backlog = await client.events()
    seq = backlog[-1]["seq"]
    waiter = asyncio.create_task(client.events(after=seq, timeout=5))
    await asyncio.sleep(0.05)
    sent = await bot.send_message(chat_id, "停水通知")
    events = await asyncio.wait_for(waiter, 2)
    assert events[0]["kind"] == "message" and events[0]["text"] == "停水通知"
    assert events[0]["chat_title"] == "阳光小区 3 号楼" and events[0]["from_is_bot"] is True
    await bot.edit_message_text("停水通知（更新）", chat_id=chat_id, message_id=sent.message_id)
    await bot.delete_message(chat_id, sent.message_id)
    kinds = [e["kind"] for e in await client.events(after=events[0]["seq"])]
    assert kinds == ["edit", "delete"]
    assert await client.events(after=10**9, timeout=0.05) == []


async def test_reset_and_errors(bot: Bot, client: EmulatorClient, group: dict[str, Any]) -> None:
    state = await client.chat(group["chat_id"])
    assert (
        state["bot_status"] == "member"
        and state["members"][str(group["owner"]["id"])] == "creator"
    )
    await client.reset()
    with pytest.raises(EmulatorControlError) as caught:
        await client.chat(group["chat_id"])
    assert caught.value.status == 404
    user = await client.create_user("新用户")
    assert user["id"] == 100001
    assert (await client.stats())["calls"] == {}
    with pytest.raises(EmulatorControlError):
        await client.create_user("dup", id=user["id"])
    with pytest.raises(EmulatorControlError):
        await client.set_fault(user["id"], "explode")


async def test_explicit_ids_and_usernames(bot: Bot, client: EmulatorClient) -> None:
    await client.create_user("甲", id=555)
    chat = await client.create_group(
        "公开群",
        supergroup=True,
        id=-1009876543210,
        bot_status="administrator",
        username="sunny_grid",
    )
    assert chat["id"] == -1009876543210
    sent = await bot.send_message("@sunny_grid", "hello")
    assert sent.chat.id == -1009876543210


async def test_python_m_emulator(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "emulator",
        "--port",
        "0",
        "--token",
        "42:CLI",
        stdout=asyncio.subprocess.PIPE,
        env=env,
        cwd=tmp_path,
    )
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 10)).decode()
        base_url = line.strip().rsplit(" ", 1)[-1]
        assert base_url.startswith("http://127.0.0.1:")
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{base_url}/bot42:CLI/getMe") as response:
                assert (await response.json())["result"]["id"] == 42
    finally:
        process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(process.wait(), 10) == 0


async def test_emulator_context_manager() -> None:
    async with BotAPIEmulator(port=0, limits=False) as emu, EmulatorClient(emu.base_url) as c:
        assert (await c.stats())["limits"]["enabled"] is False
