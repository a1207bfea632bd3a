"""#11, items 7–10 and 17: what the bot says in a group is what happened, and residents are
never named there by their full name."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlmodel import col, select

from models.people import Person, Role
from models.tickets import TicketStatus
from tests.e2e.conftest import World
from tests.e2e.test_group_binding import GRID1, WORKER1, say
from tests.e2e.test_missing_alert import confirm_from_dm
from tests.e2e.test_tickets import (
    COMMUNITY_ADMIN1,
    TOWN_ADMIN1,
    grid_group,
    staff_with_dm,
    tickets,
    wait_status,
)


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


MISSING = "十万火急，我父亲今天中午走失了，穿蓝色上衣"


async def staff_names(world: World) -> list[str]:
    async with world.db() as session:
        result = await session.execute(
            select(Person.name).join(Role, col(Role.person_id) == Person.id).distinct()
        )
        return [name for name in result.scalars() if name]


async def test_a_missing_person_reply_names_only_the_roles_actually_told(world: World) -> None:
    """Item 7: it said 网格员、社区和镇街已同步收到 though the admins had no private chat."""
    _worker, resident, chat = await grid_group(world)  # only the grid worker opened the chat
    reply = await say(world, chat["id"], resident["id"], MISSING)
    assert "同步收到" not in reply["text"]
    assert "已私信通知：网格员。" in reply["text"]
    assert "社区管理员、镇街管理员尚未在私聊中开通机器人，未能通知。" in reply["text"]


async def test_a_missing_person_reply_lists_every_level_told(world: World) -> None:
    _worker, resident, chat = await grid_group(world)
    await staff_with_dm(world, COMMUNITY_ADMIN1, "社区刘书记")
    await staff_with_dm(world, TOWN_ADMIN1, "镇街李主任")
    reply = await say(world, chat["id"], resident["id"], MISSING)
    assert "已私信通知：网格员、社区管理员、镇街管理员。" in reply["text"]
    assert "未能通知" not in reply["text"]


async def test_with_nobody_reachable_the_group_hears_roles_and_the_worker_gets_it_on_start(
    world: World,
) -> None:
    """Item 9: the group was told 网格员<four names>…已转给上一级处理 though nobody was reachable
    and the ticket was at the top; the worker's later /start brought nothing."""
    worker = await world.staff(WORKER1, "张伟")  # never opened the private chat
    resident = await world.client.create_user("王秀英")
    chat = await world.group_with_bot("第1网格群", worker)
    await say(world, chat["id"], worker["id"], f"/bind {GRID1}")
    reply = await say(world, chat["id"], resident["id"], "我家厨房水管漏水了，楼下都湿了")
    assert "负责：暂无可联系的工作人员（已登记，保持待办）" in reply["text"]
    (ticket,) = await tickets(world)
    told = await world.client.wait_for(chat["id"], contains="ℹ️")
    assert told["text"].startswith(
        "ℹ️ 网格员、社区管理员、镇街管理员、区级干部都还没有在私聊中开通机器人通知，"
        f"工单 #{ticket.id} 暂时没有送达任何工作人员。"
    )
    assert "上一级" not in told["text"]
    for name in await staff_names(world):
        assert name not in told["text"] and name not in reply["text"]

    await world.client.start_private(worker["id"])
    hello = await world.client.wait_for(worker["id"], contains="您好")
    assert "另有 1 张待接的工单此前没有通知到任何工作人员" in hello["text"]
    notice = await world.client.wait_for(worker["id"], contains=f"新工单 #{ticket.id}")
    assert "此前没有工作人员收到这张工单的通知" in notice["text"]
    assert notice["reply_markup"]["inline_keyboard"][0][0]["text"] == "接单"

    await world.client.send_message(worker["id"], worker["id"], "/start")
    again = await world.client.wait_for(
        worker["id"], contains="您好", after_message_id=notice["message_id"]
    )
    assert "另有" not in again["text"]


async def test_a_worker_out_of_reach_sends_the_ticket_to_the_community_said_by_place(
    world: World,
) -> None:
    worker = await world.staff(WORKER1, "张伟")
    await staff_with_dm(world, COMMUNITY_ADMIN1, "社区刘书记")
    resident = await world.client.create_user("王秀英")
    chat = await world.group_with_bot("第1网格群", worker)
    await say(world, chat["id"], worker["id"], f"/bind {GRID1}")
    reply = await say(world, chat["id"], resident["id"], "楼道的灯坏了好几天了")
    assert "负责：府前社区的工作人员" in reply["text"]
    (ticket,) = await tickets(world)
    told = await world.client.wait_for(chat["id"], contains="ℹ️")
    assert told["text"].startswith(
        f"ℹ️ 网格员尚未在私聊中开通机器人通知，工单 #{ticket.id} 已转给府前社区处理。"
    )
    for name in await staff_names(world):
        assert name not in told["text"] and name not in reply["text"]


async def test_an_alert_in_a_group_where_the_bot_may_not_pin_says_so_and_never_pinned(
    world: World,
) -> None:
    """Item 8: the confirmation said 紧急优先并置顶 and /found said 取消置顶 though the bot, not
    an admin, pinned nothing; the failure was noted only on a delivery row."""
    worker, resident, chat = await grid_group(world)  # the bot is a plain member here
    await say(world, chat["id"], resident["id"], MISSING)
    (ticket,) = await tickets(world)
    await confirm_from_dm(world, worker, ticket.id)
    confirmed = await world.client.wait_for(worker["id"], contains="寻人启事已发布")
    assert "紧急优先并置顶" not in confirmed["text"]
    result = await world.client.wait_for(worker["id"], contains="📋 结果")
    assert result["message_id"] == confirmed["message_id"]  # the confirmation, edited
    assert "📋 结果：已送达 1/1 个群；1 个群未能置顶" in result["text"]
    assert "个群已置顶" not in result["text"]
    assert result["reply_markup"]["inline_keyboard"][0][0]["text"] == "✅ 已找到"
    copy = await world.client.wait_for(chat["id"], contains="🚨 寻人启事")
    assert not copy["pinned"]

    found = await say(world, worker["id"], worker["id"], f"/found {ticket.id}")
    assert "改完后这里会补上结果" in found["text"]
    done = await world.client.wait_for(
        worker["id"], contains="📋 结果：1/1 个群的寻人启事已改为「已找到」"
    )
    assert done["message_id"] == found["message_id"]
    assert "1 个群未能取消置顶" in done["text"] and "已取消置顶" not in done["text"]
