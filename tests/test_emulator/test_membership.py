"""Bot membership, private chats and group migration, validated as aiogram Updates."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramForbiddenError, TelegramMigrateToChat
from aiogram.types import Update

from emulator import BotAPIEmulator, EmulatorClient


async def raw_updates(emu: BotAPIEmulator) -> list[dict[str, Any]]:
    """Fetch and confirm all pending updates as raw JSON."""
    url = f"{emu.base_url}/bot{emu.token}/getUpdates"
    async with aiohttp.ClientSession() as http:
        async with http.get(url) as response:
            result: list[dict[str, Any]] = (await response.json())["result"]
        if result:
            async with http.get(url, params={"offset": result[-1]["update_id"] + 1}):
                pass
    for update in result:
        Update.model_validate(update)
    return result


async def test_add_and_kick_bot_updates(
    emu: BotAPIEmulator, bot: Bot, client: EmulatorClient
) -> None:
    owner = await client.create_user("周", username="zhou")
    chat = await client.create_group("网格 A")
    with pytest.raises(TelegramForbiddenError, match="bot is not a member of the group chat"):
        await bot.send_message(chat["id"], "x")
    added = await client.add_bot(chat["id"], owner["id"], admin=True)
    assert added["new_status"] == "administrator"
    updates = await raw_updates(emu)
    assert [u["update_id"] for u in updates] == added["update_ids"]
    member_update = Update.model_validate(updates[0]).my_chat_member
    assert member_update is not None
    assert member_update.old_chat_member.status == "left"
    assert member_update.new_chat_member.status == "administrator"
    assert member_update.from_user.id == owner["id"]
    joined = Update.model_validate(updates[1]).message
    assert joined is not None and joined.new_chat_members is not None
    assert joined.new_chat_members[0].id == bot.id
    await bot.send_message(chat["id"], "大家好")

    await client.kick_bot(chat["id"], owner["id"])
    [kicked] = await raw_updates(emu)
    kicked_update = Update.model_validate(kicked).my_chat_member
    assert kicked_update is not None
    assert kicked_update.old_chat_member.status == "administrator"
    assert kicked_update.new_chat_member.status == "kicked"
    with pytest.raises(TelegramForbiddenError, match="bot was kicked from the group chat"):
        await bot.send_message(chat["id"], "x")
    await client.send_message(chat["id"], owner["id"], "bot can't see this")
    assert await raw_updates(emu) == []


async def test_migrate_group_to_supergroup(
    emu: BotAPIEmulator, bot: Bot, client: EmulatorClient, group: dict[str, Any]
) -> None:
    old_id = group["chat_id"]
    await raw_updates(emu)
    result = await client.migrate(old_id)
    new_id = result["new_chat_id"]
    assert result["old_chat_id"] == old_id and str(new_id).startswith("-100")
    first, second = (Update.model_validate(u).message for u in await raw_updates(emu))
    assert first is not None and second is not None
    assert first.chat.id == old_id and first.migrate_to_chat_id == new_id
    assert second.chat.id == new_id and second.chat.type == "supergroup"
    assert second.migrate_from_chat_id == old_id
    with pytest.raises(TelegramMigrateToChat) as caught:
        await bot.send_message(old_id, "x")
    assert caught.value.migrate_to_chat_id == new_id
    async with aiohttp.ClientSession() as http:
        url = f"{emu.base_url}/bot{emu.token}/sendMessage"
        async with http.post(url, json={"chat_id": old_id, "text": "x"}) as response:
            body = await response.json()
    assert response.status == 400
    assert body["parameters"] == {"migrate_to_chat_id": new_id}
    assert (await bot.send_message(new_id, "新群")).chat.id == new_id
    assert (await client.chat(new_id))["bot_status"] == "member"


async def test_private_chat_needs_start(
    emu: BotAPIEmulator, bot: Bot, client: EmulatorClient
) -> None:
    user = await client.create_user("吴", language_code="zh-hans")
    with pytest.raises(TelegramForbiddenError, match="bot can't initiate conversation"):
        await bot.send_message(user["id"], "hi")
    started = await client.start_private(user["id"])
    assert started["chat"] == {"id": user["id"], "type": "private", "first_name": "吴"}
    [update] = await raw_updates(emu)
    message = Update.model_validate(update).message
    assert message is not None and message.text == "/start" and message.chat.type == "private"
    assert (await bot.send_message(user["id"], "欢迎")).chat.id == user["id"]

    blocked = await client.block_bot(user["id"])
    [update] = await raw_updates(emu)
    assert update["update_id"] == blocked["update_id"]
    assert update["my_chat_member"]["new_chat_member"]["status"] == "kicked"
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(user["id"], "hi")


async def test_leave_chat(emu: BotAPIEmulator, bot: Bot, group: dict[str, Any]) -> None:
    await raw_updates(emu)
    assert await bot.leave_chat(group["chat_id"]) is True
    [update] = await raw_updates(emu)
    assert update["my_chat_member"]["new_chat_member"]["status"] == "left"
    with pytest.raises(TelegramForbiddenError, match="bot is not a member"):
        await bot.send_message(group["chat_id"], "x")


async def test_privacy_mode(
    emu: BotAPIEmulator, client: EmulatorClient, group: dict[str, Any]
) -> None:
    await client.set_limits(privacy_mode=True)
    await raw_updates(emu)
    chat_id, member = group["chat_id"], group["member"]["id"]
    assert (await client.send_message(chat_id, member, "闲聊"))["update_id"] is None
    assert (await client.send_message(chat_id, member, "/help"))["update_id"] is not None
    assert (await client.send_message(chat_id, member, "/help@otherbot"))["update_id"] is None
    assert (await client.send_message(chat_id, member, "/help@gridbot"))["update_id"] is not None
    await client.add_bot(chat_id, group["owner"]["id"], admin=True)
    assert (await client.send_message(chat_id, member, "闲聊"))["update_id"] is not None
