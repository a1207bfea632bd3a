"""The scripted scenes `gridbot demo` plays; later features add their scenes to SCENES."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from demo.alert import scene_missing_alert
from demo.day import scene_day_figures
from demo.runner import Stage, issue_token
from models.people import RoleKind


async def scene_groups_bind(stage: Stage) -> None:
    """The bot joins two grid groups; staff bind one, a resident binds the other by token."""
    client = stage.client
    grid1, grid2 = "PG-01-001-01", "PG-01-001-02"
    worker = stage.worker_of(grid1)
    w = await client.create_user(worker.name, id=worker.telegram_id)
    resident = await client.create_user("王秀英", username="wangxiuying")
    stage.users.update(worker=w, resident=resident)
    await stage.heading("网格员把机器人拉进两个网格群")
    g1 = await client.create_group("府前社区第1网格群")
    g2 = await client.create_group("府前社区第2网格群")
    stage.chats.update(grid1=g1)
    for group in (g1, g2):
        await client.set_member(group["id"], w["id"], "creator")
        await client.set_member(group["id"], resident["id"], "member")
        await client.add_bot(group["id"], w["id"])
        await client.wait_for(group["id"], contains="/bind")

    await stage.heading("网格员私聊机器人，再在群里绑定网格")
    client_private = await client.start_private(w["id"])
    await client.wait_for(w["id"], contains="身份")
    del client_private
    await stage.say(g1["id"], w, f"/bind {grid1}")

    await stage.heading("普通居民试图绑定，被礼貌拒绝")
    await stage.say(g2["id"], resident, f"/bind {grid2}")

    await stage.heading("管理员发放一次性绑定码（gridbot bind-token）")
    token = await issue_token(stage, grid2)
    await stage.note(f"$ gridbot bind-token {grid2}\n{token}")
    await stage.say(g2["id"], resident, f"/bind {token}")
    await stage.say(g2["id"], resident, f"/bind {token}")

    await stage.heading("居民扫码查看本群「身份证」")
    await stage.say(g1["id"], resident, "/whereami")

    await stage.heading("2号网格群升级为超级群，记录跟随新群")
    moved = await client.migrate(g2["id"])
    await stage.say(moved["new_chat_id"], resident, "/whereami")


async def scene_leak_ticket(stage: Stage) -> None:
    """A leak: registered from a plain message, claimed by button, done, rated 满意."""
    chat = stage.chats["grid1"]["id"]
    worker, resident = stage.users["worker"], stage.users["resident"]
    await stage.heading("居民在群里说家里漏水，机器人登记工单并私信网格员")
    await stage.say(chat, resident, "我家厨房水管漏水了，楼下都湿了，电话13812345678")
    dm = await stage.wait(worker["id"], "新工单")
    number = dm["text"].split("#", 1)[1].split("｜", 1)[0]
    await stage.heading("网格员在私聊里一键接单，群里看到进度")
    await stage.tap(worker["id"], dm, worker, "网格员")
    await stage.wait(chat, "接单，正在处理")
    await stage.heading("网格员办结，居民评价")
    await stage.say(worker["id"], worker, f"/done {number} 已更换厨房水管接头，楼下已清理")
    ask = await stage.wait(chat, "请对办理结果评价")
    await stage.tap(chat, ask, resident, "居民")
    await stage.settled()
    await stage.note(f"(工单 #{number} 评价「满意」，已关闭)")


async def scene_urgent_escalation(stage: Stage) -> None:
    """An urgent case nobody claims climbs grid → community → town as deadlines pass."""
    client, chat = stage.client, stage.chats["grid1"]["id"]
    await stage.heading("社区、镇街干部开通私聊；居民报告紧急情况，无人接单")
    bosses = []
    for code, role in (("PG-01-001", RoleKind.community_admin), ("PG-01", RoleKind.town_admin)):
        row = stage.staff_of(code, role)
        user = await client.create_user(row.name, id=row.telegram_id)
        await client.start_private(user["id"])
        await stage.wait(user["id"], "您好")
        bosses.append(user)
    await stage.say(chat, stage.users["resident"], "电梯坏了把我妈困在里面了，快来人")
    await stage.settled()  # the ticket is committed: the sweep below sees it, not the next one
    for boss in bosses:
        stage.clock.advance(timedelta(minutes=6))
        await stage.note("(模拟时间快进 6 分钟，超过 5 分钟接单时限)")
        await stage.runtime.sweep_once()
        await stage.wait(boss["id"], "上报工单")


async def scene_district_broadcast(stage: Stage) -> None:
    """A district official sends one message to every bound group, with live progress."""
    client = stage.client
    row = stage.staff_of("PG", RoleKind.district_official)
    official = await client.create_user(row.name, id=row.telegram_id)
    await client.start_private(official["id"])
    await stage.wait(official["id"], "您好")
    await stage.heading("区级干部一键群发：选择范围、写内容、预览、确认")
    pick = await stage.say(official["id"], official, "/broadcast")
    await stage.tap(official["id"], pick, official, "区级干部")
    await stage.wait(official["id"], "请发送要群发的内容")
    preview = await stage.say(
        official["id"],
        official,
        "【平谷区】今冬供暖将于11月15日开始，如家中暖气不热请在群里告诉网格员。",
    )
    await stage.tap(official["id"], preview, official, "区级干部")
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
