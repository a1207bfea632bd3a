"""The running bot drains the broadcast outbox: one message per bound group of the subtree."""

from __future__ import annotations

from typing import Any

from broadcasts.service import create_broadcast
from core.db import session_scope
from models.tree_service import node_by_code
from tests.e2e.conftest import World
from tests.e2e.test_group_binding import TOWN_ADMIN1, say
from tests.e2e.test_tickets import answered, staff_with_dm

OFFICIAL = 900000001  # the district official of the demo district


async def test_a_town_broadcast_reaches_its_groups_and_no_other(world: World) -> None:
    admin = await world.staff(TOWN_ADMIN1, "镇街李主任")
    official = await world.staff(OFFICIAL, "区里王科长")
    inside = await world.group_with_bot("第1网格群", admin)
    outside = await world.group_with_bot("兴谷街道某网格群", official)
    await say(world, inside["id"], admin["id"], "/bind PG-01-001-01")
    await say(world, outside["id"], official["id"], "/bind PG-02-001-01")
    assert world.runtime is not None
    async with session_scope(world.db) as session:
        town = await node_by_code(session, "PG-01")
        assert town is not None and town.id is not None
        created = await create_broadcast(
            session,
            node_id=town.id,
            text="明天上午9点至12点停水，请提前储水。",
            now=world.clock.now(),
        )
    world.runtime.broadcasts.notify()
    got = await world.client.wait_for(inside["id"], contains="明天上午9点至12点停水")
    assert got["text"] == "明天上午9点至12点停水，请提前储水。"
    assert created.total == 1
    texts = [m["text"] for m in await world.client.bot_messages(outside["id"])]
    assert not any("停水" in (t or "") for t in texts)


async def test_an_official_composes_previews_and_confirms_a_town_broadcast(world: World) -> None:
    official = await staff_with_dm(world, OFFICIAL, "区里王科长")
    inside = await world.group_with_bot("第1网格群", official)
    await say(world, inside["id"], official["id"], "/bind PG-01-001-01")
    pick = await say(world, official["id"], official["id"], "/broadcast")
    buttons = [b for row in pick["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons[0]["text"] == "✅ 选择此范围：平谷区"
    town = next(b for b in buttons if b["text"] == "滨河街道")
    await world.client.press_button(
        official["id"], pick["message_id"], official["id"], town["callback_data"]
    )
    await world.client.wait_for(official["id"], contains="请发送要群发的内容")
    preview = await say(
        world, official["id"], official["id"], "今晚8点社区广场放映电影，欢迎参加。"
    )
    assert "将发送到 平谷区 › 滨河街道 下的 1 个群" in preview["text"]
    rows = preview["reply_markup"]["inline_keyboard"]
    assert [[b["text"] for b in row] for row in rows] == [
        ["立即发送", "定时发送"],
        ["☐ 置顶", "☐ 已阅按钮"],
        ["取消"],
    ]
    send = rows[0][0]
    await world.client.press_button(
        official["id"], preview["message_id"], official["id"], send["callback_data"]
    )
    got = await world.client.wait_for(inside["id"], contains="放映电影")
    assert got["text"] == "今晚8点社区广场放映电影，欢迎参加。"
    await world.client.wait_for(
        official["id"],
        predicate=lambda m: "已完成：送达 1，失败 0" in (m["text"] or ""),
        timeout=15,
    )


async def test_grid_workers_and_residents_cannot_broadcast(world: World) -> None:
    worker = await staff_with_dm(world, 930000001, "张伟")
    refused = await say(world, worker["id"], worker["id"], "/broadcast")
    assert refused["text"].startswith("抱歉，只有社区、镇街和区级管理人员可以群发")


async def test_send_and_pin_pins_the_message_in_every_group(world: World) -> None:
    official = await staff_with_dm(world, OFFICIAL, "区里王科长")
    group = await world.group_with_bot("第1网格群", official)
    await world.client.bot_action(group["id"], "promote", official["id"])
    await say(world, group["id"], official["id"], "/bind PG-01-001-01")
    preview = await draft_to_district(world, official, "防汛期间请勿靠近河道。")
    pin = preview["reply_markup"]["inline_keyboard"][1][0]
    await world.client.press_button(
        official["id"], preview["message_id"], official["id"], pin["callback_data"]
    )
    await world.client.wait_for(  # the toggle shows its new state on the preview
        official["id"], predicate=lambda m: "☑ 置顶" in button_texts(m)
    )
    send = preview["reply_markup"]["inline_keyboard"][0][0]
    await world.client.press_button(
        official["id"], preview["message_id"], official["id"], send["callback_data"]
    )
    got = await world.client.wait_for(
        group["id"], predicate=lambda m: "防汛" in (m["text"] or "") and m["pinned"]
    )
    assert got["pinned"]


async def test_cancel_sends_nothing(world: World) -> None:
    official = await staff_with_dm(world, OFFICIAL, "区里王科长")
    group = await world.group_with_bot("第1网格群", official)
    await say(world, group["id"], official["id"], "/bind PG-01-001-01")
    preview = await draft_to_district(world, official, "这条不要发")
    cancel = preview["reply_markup"]["inline_keyboard"][2][0]
    pressed = await world.client.press_button(
        official["id"], preview["message_id"], official["id"], cancel["callback_data"]
    )
    assert await answered(world, pressed["callback_query_id"]) == "已取消，没有发送。"
    texts = [m["text"] for m in await world.client.bot_messages(group["id"])]
    assert not any("这条不要发" in (t or "") for t in texts)


def button_texts(message: dict[str, Any]) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]


async def draft_to_district(world: World, official: dict[str, Any], text: str) -> dict[str, Any]:
    """/broadcast, pick the whole district, write `text`; returns the preview message."""
    pick = await say(world, official["id"], official["id"], "/broadcast")
    district = pick["reply_markup"]["inline_keyboard"][0][0]
    await world.client.press_button(
        official["id"], pick["message_id"], official["id"], district["callback_data"]
    )
    await world.client.wait_for(official["id"], contains="请发送要群发的内容")
    return await say(world, official["id"], official["id"], text)
