"""Worker commands and explicit reports through the emulator."""

from __future__ import annotations

from sqlmodel import col, select

from models.tickets import EventKind, TicketEvent, TicketStatus
from tests.e2e.conftest import World
from tests.e2e.test_group_binding import GRID1, say
from tests.e2e.test_tickets import COMMUNITY_ADMIN1, grid_group, staff_with_dm, tickets


async def events_of(world: World, ticket_id: int | None) -> list[TicketEvent]:
    async with world.db() as session:
        query = select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
        return list((await session.execute(query.order_by(col(TicketEvent.id)))).scalars())


async def test_report_command_registers_what_the_classifier_cannot_place(world: World) -> None:
    _worker, resident, chat = await grid_group(world)
    usage = await say(world, chat["id"], resident["id"], "/report")
    assert usage["text"].startswith("用法：/report")
    reply = await say(world, chat["id"], resident["id"], "/report 想问问社区的活动室几点开门")
    assert "已登记：" in reply["text"]
    (ticket,) = await tickets(world)
    assert ticket.text == "想问问社区的活动室几点开门"


async def test_a_photo_with_a_caption_is_a_report_and_keeps_the_photo(world: World) -> None:
    _worker, resident, chat = await grid_group(world)
    await world.client.send_photo(chat["id"], resident["id"], caption="单元门口这个坑")
    await world.client.wait_for(chat["id"], contains="已登记")
    (ticket,) = await tickets(world)
    assert ticket.photos != "[]"


async def test_worker_lists_notes_transfers_and_escalates(world: World) -> None:
    worker, resident, chat = await grid_group(world)
    boss = await staff_with_dm(world, COMMUNITY_ADMIN1, "社区刘书记")
    await say(world, chat["id"], resident["id"], "装修噪音太大了，晚上十点还在砸墙")
    (ticket,) = await tickets(world)
    listing = await say(world, worker["id"], worker["id"], "/tickets")
    assert f"#{ticket.id} 待接单" in listing["text"]
    noted = await say(world, worker["id"], worker["id"], f"/note {ticket.id} 已电话联系装修队")
    assert noted["text"] == f"已记录备注：工单 #{ticket.id}。"
    usage = await say(world, worker["id"], worker["id"], f"/escalate {ticket.id}")
    assert usage["text"] == "用法：/escalate 工单号 上报原因"
    up = await say(world, worker["id"], worker["id"], f"/escalate {ticket.id} 需要城管执法")
    assert up["text"] == f"已上报：工单 #{ticket.id}。"
    await world.client.wait_for(boss["id"], contains="需要城管执法")
    moved = await say(world, boss["id"], boss["id"], f"/transfer {ticket.id} {GRID1}-X")
    assert "没有找到" in moved["text"]
    kinds = [e.kind for e in await events_of(world, ticket.id)]
    assert EventKind.noted in kinds and EventKind.escalated in kinds
    (after,) = await tickets(world)
    assert after.status is TicketStatus.new and after.escalation_level == 1


async def test_a_resident_sees_only_their_own_tickets(world: World) -> None:
    _worker, resident, chat = await grid_group(world)
    neighbour = await world.client.create_user("李阿姨")
    await say(world, chat["id"], resident["id"], "我家停电了，快来看看")
    await say(world, chat["id"], neighbour["id"], "小区垃圾桶满了没人清")
    await tickets(world, expect=2)
    await world.client.start_private(neighbour["id"])
    await world.client.wait_for(neighbour["id"], contains="您好")
    mine = await say(world, neighbour["id"], neighbour["id"], "/tickets")
    assert "垃圾桶" in mine["text"] and "停电" not in mine["text"]


async def test_tickets_are_listed_in_private_chat_only_with_phones_masked(world: World) -> None:
    """#11 item 3: a list in a group showed every resident's words and raw phone numbers."""
    worker, resident, chat = await grid_group(world)
    await say(world, chat["id"], resident["id"], "楼道里的灯坏了，联系我13812345678")
    (ticket,) = await tickets(world)
    in_group = await say(world, chat["id"], worker["id"], "/tickets")
    assert "私聊" in in_group["text"] and f"#{ticket.id}" not in in_group["text"]
    listing = await say(world, worker["id"], worker["id"], "/tickets")
    assert f"#{ticket.id}" in listing["text"]
    assert "13812345678" not in listing["text"] and "138****5678" in listing["text"]


async def test_an_unknown_command_in_private_chat_points_to_help(world: World) -> None:
    """#11 item 17: it used to get no answer at all."""
    resident = await world.client.create_user("李阿姨")
    await world.client.start_private(resident["id"])
    await world.client.wait_for(resident["id"], contains="您好")
    answer = await say(world, resident["id"], resident["id"], "/nonsense 123")
    assert answer["text"] == "没有 /nonsense 这个命令。发送 /help 查看您可以使用的命令。"
