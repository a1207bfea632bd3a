"""#11, items 7–10 and 17: what the bot says in a group is what happened, and residents are
never named there by their full name."""

from __future__ import annotations

import asyncio
from typing import Any

from models.tickets import TicketStatus
from tests.e2e.conftest import World
from tests.e2e.test_group_binding import say
from tests.e2e.test_tickets import grid_group, tickets, wait_status


async def message_now(world: World, chat_id: int, message_id: int) -> dict[str, Any]:
    for message in await world.client.bot_messages(chat_id):
        if message["message_id"] == message_id:
            return message
    raise AssertionError(f"message {message_id} not found in chat {chat_id}")


async def until_no_buttons(world: World, chat_id: int, message_id: int) -> dict[str, Any]:
    for _ in range(100):
        message = await message_now(world, chat_id, message_id)
        if not message.get("reply_markup"):
            return message
        await asyncio.sleep(0.05)
    raise AssertionError(f"the buttons under message {message_id} stayed")


async def rating_prompt(world: World) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    worker, resident, chat = await grid_group(world)  # the resident is 王秀英
    await say(world, chat["id"], resident["id"], "楼道的灯坏了好几天了")
    (ticket,) = await tickets(world)
    await say(world, worker["id"], worker["id"], f"/done {ticket.id} 已修")
    ask = await world.client.wait_for(chat["id"], contains="请对办理结果评价")
    return resident, chat, ask


async def test_the_rating_prompt_names_the_resident_masked(world: World) -> None:
    """Item 10: the prompt said 王秀英，您反映的问题… in the group."""
    _resident, _chat, ask = await rating_prompt(world)
    assert ask["text"].startswith("王**，您反映的问题")
    assert "王秀英" not in ask["text"]


async def test_the_rating_buttons_go_once_the_rating_is_recorded(world: World) -> None:
    """Item 17: the 满意/基本满意/不满意 buttons stayed under the prompt after the rating."""
    resident, chat, ask = await rating_prompt(world)
    pleased = ask["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    await world.client.press_button(chat["id"], ask["message_id"], resident["id"], pleased)
    after = await until_no_buttons(world, chat["id"], ask["message_id"])
    assert after["text"] == ask["text"]
    (ticket,) = await tickets(world)
    await wait_status(world, ticket.id, TicketStatus.closed)


async def test_a_press_by_someone_else_leaves_the_buttons(world: World) -> None:
    _resident, chat, ask = await rating_prompt(world)
    pleased = ask["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    someone = await world.client.create_user("路人")
    await world.client.press_button(chat["id"], ask["message_id"], someone["id"], pleased)
    await asyncio.sleep(0.5)
    assert (await message_now(world, chat["id"], ask["message_id"])).get("reply_markup")
