"""Updates: getUpdates offsets, long polling, allowed_updates, redelivery, raw injection."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from aiogram import Bot
from aiogram.types import Update

from emulator import BotAPIEmulator, EmulatorClient


async def test_user_message_arrives_via_get_updates(
    bot: Bot, client: EmulatorClient, group: dict[str, Any]
) -> None:
    await bot.get_updates(timeout=0)  # drain the bot-added updates
    updates = await bot.get_updates(offset=-1, timeout=0)
    offset = updates[-1].update_id + 1 if updates else None
    sent = await client.send_message(group["chat_id"], group["member"]["id"], "/bind@gridbot 1234")
    updates = await bot.get_updates(offset=offset, timeout=0)
    assert [u.update_id for u in updates] == [sent["update_id"]]
    message = updates[0].message
    assert message is not None and message.text == "/bind@gridbot 1234"
    assert message.chat.id == group["chat_id"] and message.chat.type == "group"
    assert message.from_user is not None and message.from_user.id == group["member"]["id"]
    assert message.entities is not None
    assert (message.entities[0].type, message.entities[0].offset, message.entities[0].length) == (
        "bot_command",
        0,
        len("/bind@gridbot"),
    )
    assert await bot.get_updates(offset=sent["update_id"] + 1, timeout=0) == []


async def test_offset_confirms_and_limit(bot: Bot, client: EmulatorClient) -> None:
    user = await client.create_user("张三")
    ids = []
    for n in range(3):
        ids.append((await client.send_message(user["id"], user["id"], f"m{n}"))["update_id"])
    assert [u.update_id for u in await bot.get_updates(limit=2, timeout=0)] == ids[:2]
    assert [u.update_id for u in await bot.get_updates(offset=ids[1], timeout=0)] == ids[1:]
    assert (await client.stats())["updates_pending"] == 2
    assert await bot.get_updates(offset=ids[2] + 1, timeout=0) == []
    assert (await client.stats())["updates_pending"] == 0


async def test_long_poll_wakes_up_on_new_update(bot: Bot, client: EmulatorClient) -> None:
    user = await client.create_user("赵六")
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    assert not poll.done()
    start = await client.start_private(user["id"])
    updates = await asyncio.wait_for(poll, 2)
    assert [u.update_id for u in updates] == [start["update_id"]]
    assert updates[0].message is not None and updates[0].message.text == "/start"


async def test_long_poll_times_out_empty(bot: Bot) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await bot.get_updates(timeout=1) == []
    assert loop.time() - started >= 0.9


async def test_allowed_updates_is_remembered(
    bot: Bot, client: EmulatorClient, group: dict[str, Any]
) -> None:
    await bot.get_updates(timeout=0, allowed_updates=["callback_query"])
    await client.send_message(group["chat_id"], group["member"]["id"], "hello")
    assert await bot.get_updates(timeout=0) == []  # message filtered, setting remembered
    await bot.get_updates(timeout=0, allowed_updates=[])  # back to the default set
    sent = await client.send_message(group["chat_id"], group["member"]["id"], "again")
    assert [u.update_id for u in await bot.get_updates(timeout=0)] == [sent["update_id"]]


async def test_redelivery_and_raw_injection(
    bot: Bot, client: EmulatorClient, emu: BotAPIEmulator
) -> None:
    user = await client.create_user("钱七")
    sent = await client.send_message(user["id"], user["id"], "hi")
    first = await bot.get_updates(timeout=0)
    await bot.get_updates(offset=first[-1].update_id + 1, timeout=0)
    await client.redeliver(sent["update_id"])
    again = await bot.get_updates(offset=first[-1].update_id + 1, timeout=0)
    assert [u.update_id for u in again] == [sent["update_id"]]
    assert again[0].model_dump() == first[-1].model_dump()

    injected = await client.inject_update({"update_id": 777777, "weird": {"x": 1}})
    assert injected["update_id"] == 777777
    no_id = await client.inject_update({"message": "not an object"}, assign_id=False)
    assert no_id["update_id"] is None
    url = f"{emu.base_url}/bot{emu.token}/getUpdates"
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        body = await response.json()
    assert body["result"] == [
        {"update_id": 777777, "weird": {"x": 1}},
        {"message": "not an object"},
    ]
    async with aiohttp.ClientSession() as http, http.get(url, params={"offset": 777778}) as r:
        assert (await r.json())["result"] == []
    numbered = await client.inject_update({"message": {"message_id": "not-a-number"}})
    assert numbered["update_id"] == 777778
    async with aiohttp.ClientSession() as http, http.get(url, params={"offset": 777778}) as r:
        assert (await r.json())["result"] == [
            {"update_id": 777778, "message": {"message_id": "not-a-number"}}
        ]


async def test_second_poller_terminates_the_first(emu: BotAPIEmulator) -> None:
    url = f"{emu.base_url}/bot{emu.token}/getUpdates"
    async with aiohttp.ClientSession() as http:
        first = asyncio.create_task(http.get(url, params={"timeout": "5"}))
        await asyncio.sleep(0.1)
        async with http.get(url, params={"timeout": "0"}) as second:
            assert (await second.json())["ok"] is True
        response = await asyncio.wait_for(first, 2)
        assert response.status == 409
        assert "terminated by other getUpdates request" in (await response.json())["description"]
        response.release()


async def test_every_update_validates(
    bot: Bot, client: EmulatorClient, group: dict[str, Any]
) -> None:
    chat_id, owner = group["chat_id"], group["owner"]["id"]
    await client.send_photo(chat_id, owner, caption="漏水 #报修")
    await client.send_message(chat_id, owner, "回复", reply_to_message_id=1)
    await client.start_private(owner)
    msg = await bot.send_message(chat_id, "pick", reply_markup=_keyboard())
    await client.press_button(chat_id, msg.message_id, owner, "ok")
    await client.kick_bot(chat_id, owner)
    updates = await bot.get_updates(timeout=0)
    kinds = [u.event_type for u in updates]
    assert kinds == [
        "my_chat_member",
        "message",
        "message",
        "message",
        "message",
        "callback_query",
        "my_chat_member",
    ]
    for update in updates:
        Update.model_validate(update.model_dump(mode="json", by_alias=True, exclude_none=True))


def _keyboard() -> Any:
    from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="OK", callback_data="ok")]]
    )
