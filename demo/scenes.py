"""The scripted scenes `gridbot demo` plays; later features add their scenes to SCENES."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta

from demo.alert import scene_missing_alert
from demo.day import scene_day_figures
from demo.runner import Stage, heading, issue_token
from models.people import RoleKind


async def scene_groups_bind(stage: Stage) -> None:
    """The bot joins two grid groups; staff bind one, a resident binds the other by token."""
    client = stage.client
    grid1, grid2 = "PG-01-001-01", "PG-01-001-02"
    worker = stage.worker_of(grid1)
    w = await client.create_user(worker.name, id=worker.telegram_id)
    resident = await client.create_user("王秀英", username="wangxiuying")
    stage.users.update(worker=w, resident=resident)
    heading("网格员把机器人拉进两个网格群")
    g1 = await client.create_group("府前社区第1网格群")
    g2 = await client.create_group("府前社区第2网格群")
    stage.chats.update(grid1=g1)
    for group in (g1, g2):
        await client.set_member(group["id"], w["id"], "creator")
        await client.set_member(group["id"], resident["id"], "member")
        await client.add_bot(group["id"], w["id"])
        await client.wait_for(group["id"], contains="/bind")

    heading("网格员私聊机器人，再在群里绑定网格")
    client_private = await client.start_private(w["id"])
    await client.wait_for(w["id"], contains="身份")
    del client_private
    await stage.say(g1["id"], w, f"/bind {grid1}")

    heading("普通居民试图绑定，被礼貌拒绝")
    await stage.say(g2["id"], resident, f"/bind {grid2}")

    heading("管理员发放一次性绑定码（gridbot bind-token）")
    token = await issue_token(stage, grid2)
    print(f"$ gridbot bind-token {grid2}\n{token}", flush=True)
    await stage.say(g2["id"], resident, f"/bind {token}")
    await stage.say(g2["id"], resident, f"/bind {token}")

    heading("居民扫码查看本群「身份证」")
    await stage.say(g1["id"], resident, "/whereami")

    heading("2号网格群升级为超级群，记录跟随新群")
    moved = await client.migrate(g2["id"])
    await stage.say(moved["new_chat_id"], resident, "/whereami")


async def scene_leak_ticket(stage: Stage) -> None:
    """A leak: registered from a plain message, claimed by button, done, rated 满意."""
    client, chat = stage.client, stage.chats["grid1"]["id"]
    worker, resident = stage.users["worker"], stage.users["resident"]
    heading("居民在群里说家里漏水，机器人登记工单并私信网格员")
    await stage.say(chat, resident, "我家厨房水管漏水了，楼下都湿了，电话13812345678")
    dm = await stage.wait(worker["id"], "新工单")
    number = dm["text"].split("#", 1)[1].split("｜", 1)[0]
    heading("网格员在私聊里一键接单，群里看到进度")
    claim = dm["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    await client.press_button(worker["id"], dm["message_id"], worker["id"], claim)
    await stage.wait(chat, "接单，正在处理")
    heading("网格员办结，居民评价")
    await stage.say(worker["id"], worker, f"/done {number} 已更换厨房水管接头，楼下已清理")
    ask = await stage.wait(chat, "请对办理结果评价")
    happy = ask["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    await client.press_button(chat, ask["message_id"], resident["id"], happy)
    await asyncio.sleep(0.3)
    print(f"(居民点了「满意」，工单 #{number} 关闭)", flush=True)


async def scene_urgent_escalation(stage: Stage) -> None:
    """An urgent case nobody claims climbs grid → community → town as deadlines pass."""
    client, chat = stage.client, stage.chats["grid1"]["id"]
    heading("社区、镇街干部开通私聊；居民报告紧急情况，无人接单")
    bosses = []
    for code, role in (("PG-01-001", RoleKind.community_admin), ("PG-01", RoleKind.town_admin)):
        row = stage.staff_of(code, role)
        user = await client.create_user(row.name, id=row.telegram_id)
        await client.start_private(user["id"])
        await stage.wait(user["id"], "您好")
        bosses.append(user)
    await stage.say(chat, stage.users["resident"], "电梯困人了！里面有老人出不来，快来人")
    await stage.settled()  # the ticket is committed: the sweep below sees it, not the next one
    for boss in bosses:
        stage.clock.advance(timedelta(minutes=6))
        print("(模拟时间快进 6 分钟，超过 5 分钟接单时限)", flush=True)
        await stage.runtime.sweep_once()
        await stage.wait(boss["id"], "上报工单")


async def scene_district_broadcast(stage: Stage) -> None:
    """A district official sends one message to every bound group, with live progress."""
    client = stage.client
    row = stage.staff_of("PG", RoleKind.district_official)
    official = await client.create_user(row.name, id=row.telegram_id)
    await client.start_private(official["id"])
    await stage.wait(official["id"], "您好")
    heading("区级干部一键群发：选择范围、写内容、预览、确认")
    pick = await stage.say(official["id"], official, "/broadcast")
    district = pick["reply_markup"]["inline_keyboard"][0][0]
    await client.press_button(
        official["id"], pick["message_id"], official["id"], district["callback_data"]
    )
    await stage.wait(official["id"], "请发送要群发的内容")
    preview = await stage.say(
        official["id"],
        official,
        "【平谷区】今冬供暖将于11月15日开始，如家中暖气不热请在群里告诉网格员。",
    )
    send = preview["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    await client.press_button(official["id"], preview["message_id"], official["id"], send)
    await client.wait_for(
        official["id"], predicate=lambda m: "已完成" in (m["text"] or ""), timeout=60
    )


Scene = Callable[[Stage], Awaitable[None]]
SCENES: list[Scene] = [
    scene_groups_bind,
    scene_leak_ticket,
    scene_urgent_escalation,
    scene_district_broadcast,
    scene_missing_alert,
    scene_day_figures,  # last: the day's figures
]
