"""Injected faults: kicked, blocked, migrate, server_error, flood — and clearing them."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import (
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramRetryAfter,
    TelegramServerError,
)

from emulator import EmulatorClient


async def test_kicked_fault_and_clear(
    bot: Bot, client: EmulatorClient, group: dict[str, Any]
) -> None:
    chat_id = group["chat_id"]
    await client.set_fault(chat_id, "kicked")
    with pytest.raises(TelegramForbiddenError, match="bot was kicked from the group chat"):
        await bot.send_message(chat_id, "x")
    assert (await client.chat(chat_id))["bot_status"] == "kicked"
    await client.clear_fault(chat_id)
    assert (await bot.send_message(chat_id, "back")).text == "back"


async def test_kicked_from_supergroup_wording(bot: Bot, client: EmulatorClient) -> None:
    chat = await client.create_group("业主群", supergroup=True, bot_status="member")
    assert str(chat["id"]).startswith("-100") and len(str(abs(chat["id"]))) >= 13
    await client.set_fault(chat["id"], "kicked")
    with pytest.raises(TelegramForbiddenError, match="bot was kicked from the supergroup chat"):
        await bot.send_message(chat["id"], "x")


async def test_blocked_fault(bot: Bot, client: EmulatorClient) -> None:
    user = await client.create_user("孙八")
    await client.start_private(user["id"])
    await client.set_fault(user["id"], "blocked")
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(user["id"], "x")
    await client.set_fault(user["id"], None)
    await bot.send_message(user["id"], "ok")


async def test_migrate_fault(bot: Bot, client: EmulatorClient, group: dict[str, Any]) -> None:
    chat_id = group["chat_id"]
    result = await client.set_fault(chat_id, "migrate")
    new_id = result["migrated_to"]
    with pytest.raises(TelegramMigrateToChat) as caught:
        await bot.send_message(chat_id, "x")
    assert caught.value.migrate_to_chat_id == new_id
    assert "group chat was upgraded to a supergroup chat" in caught.value.message
    new_chat = await client.chat(new_id)
    assert new_chat["type"] == "supergroup" and new_chat["title"] == group["chat"]["title"]
    assert new_chat["members"][str(group["owner"]["id"])] == "creator"
    assert (await bot.send_message(new_id, "迁移后")).chat.id == new_id


async def test_server_error_for_count_calls(
    bot: Bot, client: EmulatorClient, group: dict[str, Any]
) -> None:
    chat_id = group["chat_id"]
    await client.set_fault(chat_id, "server_error", count=2)
    for _ in range(2):
        with pytest.raises(TelegramServerError, match="Internal Server Error"):
            await bot.send_message(chat_id, "x")
    await bot.send_message(chat_id, "recovered")
    assert [m["text"] for m in await client.bot_messages(chat_id)] == ["recovered"]


async def test_flood_fault_until_cleared(
    bot: Bot, client: EmulatorClient, group: dict[str, Any]
) -> None:
    chat_id = group["chat_id"]
    await client.set_fault(chat_id, "flood", retry_after=7)
    for _ in range(3):
        with pytest.raises(TelegramRetryAfter) as caught:
            await bot.send_message(chat_id, "x")
        assert caught.value.retry_after == 7
    assert (await client.stats())["http_429"] == 3
    await client.clear_fault(chat_id)
    await bot.send_message(chat_id, "ok")


async def test_chaos_answers_a_seeded_share_of_calls_with_500(
    bot: Bot, client: EmulatorClient, group: dict[str, Any]
) -> None:
    await client.set_chaos(0.5, seed=3)
    outcomes = []
    for n in range(16):  # within the emulator's 20 a minute per group
        try:
            await bot.send_message(group["chat_id"], f"m{n}")
            outcomes.append(True)
        except TelegramServerError:
            outcomes.append(False)
    assert 3 <= outcomes.count(False) <= 13
    stopped = await client.set_chaos(0.0)
    assert stopped["random_server_errors"] == outcomes.count(False)
    assert (await bot.send_message(group["chat_id"], "calm")).text == "calm"
