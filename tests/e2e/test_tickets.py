"""Tickets through the emulator: a resident's message to a handled, escalated, rated case."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import col, select

from models.tickets import Rating, Ticket, TicketStatus
from tests.e2e.conftest import World
from tests.e2e.test_group_binding import GRID1, WORKER1, say

COMMUNITY_ADMIN1, TOWN_ADMIN1 = 920000001, 910000001
WORKER2 = 930000002  # grid PG-01-001-02, not ours


async def staff_with_dm(world: World, telegram_id: int, name: str) -> dict[str, Any]:
    user = await world.staff(telegram_id, name)
    await world.client.start_private(user["id"])
    await world.client.wait_for(user["id"], contains="您好")
    return user


async def grid_group(world: World) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Grid PG-01-001-01's group, bound, with its worker reachable and one resident."""
    worker = await staff_with_dm(world, WORKER1, "张伟")
    resident = await world.client.create_user("王秀英")
    chat = await world.group_with_bot("第1网格群", worker)
    await say(world, chat["id"], worker["id"], f"/bind {GRID1}")
    return worker, resident, chat


async def tickets(world: World, expect: int = 1) -> list[Ticket]:
    """All tickets, once `expect` of them are committed (replies go out before the commit)."""
    import asyncio

    for _ in range(100):
        async with world.db() as session:
            found = list(
                (await session.execute(select(Ticket).order_by(col(Ticket.id)))).scalars()
            )
        if len(found) >= expect:
            return found
        await asyncio.sleep(0.05)
    return found


async def test_a_leak_is_registered_claimed_done_and_rated(world: World) -> None:
    worker, resident, chat = await grid_group(world)
    reply = await say(world, chat["id"], resident["id"], "我家厨房水管漏水了，楼下都湿了")
    assert reply["text"].startswith("📝 已登记：报修")
    assert "负责：黄秀英（1-2号楼网格）" in reply["text"]  # W0001's name in the demo district
    (ticket,) = await tickets(world)
    dm = await world.client.wait_for(worker["id"], contains=f"新工单 #{ticket.id}")
    assert [b["text"] for b in dm["reply_markup"]["inline_keyboard"][0]] == [
        "接单",
        "转办",
        "上报",
        "办结",
    ]
    claim = dm["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    pressed = await world.client.press_button(worker["id"], dm["message_id"], worker["id"], claim)
    await world.client.wait_for(chat["id"], contains=f"工单 #{ticket.id} 已由黄秀英接单")
    assert "已接单" in await answered(world, pressed["callback_query_id"])
    await say(world, worker["id"], worker["id"], f"/done {ticket.id} 已更换水管接头")
    done = await world.client.wait_for(chat["id"], contains="已办结：已更换水管接头（黄秀英）")
    assert done["reply_to_message_id"] is not None
    ask = await world.client.wait_for(chat["id"], contains="请对办理结果评价")
    buttons = ask["reply_markup"]["inline_keyboard"][0]
    assert [b["text"] for b in buttons] == ["满意", "基本满意", "不满意"]
    await world.client.press_button(
        chat["id"], ask["message_id"], resident["id"], buttons[0]["callback_data"]
    )
    await wait_status(world, ticket.id, TicketStatus.closed)
    (closed,) = await tickets(world)
    assert closed.rating is Rating.satisfied


async def test_unsatisfied_rating_reopens_and_tells_the_superior(world: World) -> None:
    worker, resident, chat = await grid_group(world)
    boss = await staff_with_dm(world, COMMUNITY_ADMIN1, "社区刘书记")
    await say(world, chat["id"], resident["id"], "楼道的灯坏了好几天了")
    (ticket,) = await tickets(world)
    await say(world, worker["id"], worker["id"], f"/done {ticket.id} 已修")
    ask = await world.client.wait_for(chat["id"], contains="请对办理结果评价")
    unhappy = ask["reply_markup"]["inline_keyboard"][0][2]["callback_data"]
    someone = await world.client.create_user("路人")
    other = await world.client.press_button(chat["id"], ask["message_id"], someone["id"], unhappy)
    assert "只有反映问题的居民本人" in await answered(world, other["callback_query_id"])
    await world.client.press_button(chat["id"], ask["message_id"], resident["id"], unhappy)
    await world.client.wait_for(chat["id"], contains="居民不满意，已重新办理")
    await world.client.wait_for(boss["id"], contains=f"重办工单 #{ticket.id}")
    await wait_status(world, ticket.id, TicketStatus.reopened)


async def test_an_unclaimed_urgent_case_escalates_to_community_then_town(world: World) -> None:
    _worker, resident, chat = await grid_group(world)
    boss = await staff_with_dm(world, COMMUNITY_ADMIN1, "社区刘书记")
    town = await staff_with_dm(world, TOWN_ADMIN1, "镇街李主任")
    await say(world, chat["id"], resident["id"], "电梯里困了人，按警铃没人应")
    (ticket,) = await tickets(world)
    assert ticket.priority == "urgent"
    world.clock.advance(timedelta(minutes=4))
    assert world.runtime is not None
    assert await world.runtime.sweep_once() == 0
    world.clock.advance(timedelta(minutes=2))
    await world.runtime.sweep_once()
    await world.client.wait_for(boss["id"], contains=f"上报工单 #{ticket.id}")
    await world.client.wait_for(chat["id"], contains="已上报至")
    world.clock.advance(timedelta(minutes=6))
    await world.runtime.sweep_once()
    await world.client.wait_for(town["id"], contains=f"上报工单 #{ticket.id}")
    (escalated,) = await tickets(world)
    assert escalated.escalation_level == 2


async def test_a_restart_mid_deadline_escalates_exactly_once(world: World) -> None:
    _worker, resident, chat = await grid_group(world)
    boss = await staff_with_dm(world, COMMUNITY_ADMIN1, "社区刘书记")
    await say(world, chat["id"], resident["id"], "我闻到楼道里有很浓的煤气味")
    await world.stop()
    world.clock.advance(timedelta(minutes=10))
    await world.start()
    assert world.runtime is not None
    await world.runtime.sweep_once()
    await world.runtime.sweep_once()
    await world.client.wait_for(boss["id"], contains="上报工单")
    ups = [m for m in await world.client.bot_messages(boss["id"]) if "上报工单" in m["text"]]
    assert len(ups) == 1
    (ticket,) = await tickets(world)
    assert ticket.escalation_level == 1


async def test_only_staff_covering_the_grid_can_claim_or_close(world: World) -> None:
    _worker, resident, chat = await grid_group(world)
    other = await staff_with_dm(world, WORKER2, "赵强")
    await say(world, chat["id"], resident["id"], "小区门口垃圾堆了三天没人清")
    (ticket,) = await tickets(world)
    refused = await say(world, other["id"], other["id"], f"/claim {ticket.id}")
    assert "不在您负责的范围内" in refused["text"]
    await world.client.start_private(resident["id"])
    await world.client.wait_for(resident["id"], contains="您好")
    nope = await say(world, resident["id"], resident["id"], f"/done {ticket.id} 好了")
    assert "不在您负责的范围内" in nope["text"]
    usage = await say(world, other["id"], other["id"], "/claim abc")
    assert usage["text"] == "用法：/claim 工单号"
    unknown = await say(world, other["id"], other["id"], "/claim 9999")
    assert "没有找到工单 #9999" in unknown["text"]
    (still,) = await tickets(world)
    assert still.status is TicketStatus.new


async def test_traditional_script_is_recognised_and_chatter_is_not_a_case(world: World) -> None:
    _worker, resident, chat = await grid_group(world)
    for chatter in ("大家早上好", "谢谢网格员", "[红包] 恭喜发财"):
        await world.client.send_message(chat["id"], resident["id"], chatter)
    reply = await say(world, chat["id"], resident["id"], "我家停電了，整棟樓都沒電")
    assert "已登记：报修" in reply["text"]
    assert len(await tickets(world)) == 1


async def test_phone_numbers_are_masked_in_the_group_reply(world: World) -> None:
    _worker, resident, chat = await grid_group(world)
    reply = await say(world, chat["id"], resident["id"], "家里水管爆了，急！电话13812345678")
    assert "138****5678" in reply["text"] and "13812345678" not in reply["text"]


async def test_urgent_safety_reply_says_to_call_emergency_numbers(world: World) -> None:
    _worker, resident, chat = await grid_group(world)
    reply = await say(world, chat["id"], resident["id"], "着火了！3号楼二单元冒烟了")
    assert "119" in reply["text"] and "不是应急服务" in reply["text"]


async def test_missing_person_tells_community_and_town_at_once(world: World) -> None:
    _worker, resident, chat = await grid_group(world)
    boss = await staff_with_dm(world, COMMUNITY_ADMIN1, "社区刘书记")
    town = await staff_with_dm(world, TOWN_ADMIN1, "镇街李主任")
    await say(
        world,
        chat["id"],
        resident["id"],
        "十万火急，我父亲今天中午12点离家走失了，78岁，穿蓝色上衣，骑蓝色自行车",
    )
    await world.client.wait_for(boss["id"], contains="紧急通报")
    await world.client.wait_for(town["id"], contains="紧急通报")


async def test_a_worker_without_private_chat_is_named_and_the_case_goes_up(world: World) -> None:
    worker = await world.staff(WORKER1, "张伟")  # never opened a private chat
    boss = await staff_with_dm(world, COMMUNITY_ADMIN1, "社区刘书记")
    resident = await world.client.create_user("王秀英")
    chat = await world.group_with_bot("第1网格群", worker)
    await say(world, chat["id"], worker["id"], f"/bind {GRID1}")
    await say(world, chat["id"], resident["id"], "下水道堵了，污水漫到楼道里")
    await world.client.wait_for(chat["id"], contains="尚未在私聊中开通机器人通知")
    await world.client.wait_for(boss["id"], contains="新工单")


async def test_repeats_add_to_the_ticket_and_neighbours_are_linked(world: World) -> None:
    _worker, resident, chat = await grid_group(world)
    neighbour = await world.client.create_user("李阿姨")
    first = await say(world, chat["id"], resident["id"], "楼下消防通道被车堵死了，消防车进不来")
    again = await say(world, chat["id"], resident["id"], "车还堵在消防通道上，没人管吗")
    assert "已补充到工单" in again["text"]
    linked = await say(world, chat["id"], neighbour["id"], "消防通道被车堵了，谁管管")
    assert "已有居民反映" in linked["text"]
    more = await world.client.send_message(
        chat["id"], neighbour["id"], "补充：车牌京A12345", reply_to_message_id=first["message_id"]
    )
    assert more["update_id"]
    await world.client.wait_for(
        chat["id"], contains="已补充到工单", after_message_id=linked["message_id"]
    )
    assert len(await tickets(world)) == 1


async def wait_status(world: World, ticket_id: int | None, status: TicketStatus) -> None:
    import asyncio

    for _ in range(100):
        async with world.db() as session:
            ticket = await session.get(Ticket, ticket_id)
            if ticket is not None and ticket.status is status:
                return
        await asyncio.sleep(0.05)
    raise AssertionError(f"ticket {ticket_id} never became {status}")


async def answered(world: World, callback_query_id: str) -> str:
    """The text the bot answered a button press with, once it has answered."""
    import asyncio

    for _ in range(100):
        answer = await world.client.callback_answer(callback_query_id)
        if answer.get("text") is not None:
            return str(answer["text"])
        await asyncio.sleep(0.05)
    raise AssertionError(f"callback {callback_query_id} was never answered")
