"""A draft in the chat is what its own preview shows: an old preview's buttons never send a newer
draft, and a template that would freeze the bot is refused while the bot goes on answering."""

from __future__ import annotations

import time
from typing import Any

from tests.e2e.conftest import World
from tests.e2e.test_broadcast_picker import OFFICIAL, button, press, received
from tests.e2e.test_group_binding import GRID1, WORKER1, say
from tests.e2e.test_tickets import answered, staff_with_dm
from tests.test_broadcast_template_limits import SIX_LOOPS

FIRST, SECOND = "第一稿：周六停水。", "第二稿：周日停水。"


async def draft(world: World, official: dict[str, Any], text: str) -> dict[str, Any]:
    """/broadcast to the whole district, then `text`: the preview."""
    picker = await say(world, official["id"], official["id"], "/broadcast")
    await press(world, official, picker, button(picker, "✅ 选择此范围：平谷区"))
    await world.client.wait_for(
        official["id"], contains="请发送要群发的内容", after_message_id=picker["message_id"]
    )
    return await say(world, official["id"], official["id"], text)


async def test_an_old_preview_does_not_send_the_newer_draft(world: World) -> None:
    official = await staff_with_dm(world, OFFICIAL, "黄静")
    group = await world.group_with_bot("第1网格群", official)
    await say(world, group["id"], official["id"], f"/bind {GRID1}")
    old = await draft(world, official, FIRST)
    new = await draft(world, official, SECOND)
    for name in ("立即发送", "☐ 置顶", "取消"):
        query = await press(world, official, old, button(old, name))
        assert await answered(world, query) == "这个预览已失效，请重新发送 /broadcast。"
    await press(world, official, new, button(new, "立即发送"))
    await world.client.wait_for(group["id"], contains=SECOND)
    await world.client.wait_for(official["id"], contains="已完成：送达 1，失败 0", timeout=15)
    assert not await received(world, group["id"], FIRST)
    assert [m["text"] for m in await world.client.bot_messages(group["id"])].count(SECOND) == 1


async def test_a_freezing_template_is_refused_while_a_resident_is_answered(world: World) -> None:
    official = await staff_with_dm(world, OFFICIAL, "黄静")
    worker = await world.staff(WORKER1, "黄秀英")
    group = await world.group_with_bot("第1网格群", worker)
    await say(world, group["id"], worker["id"], f"/bind {GRID1}")
    resident = await world.client.create_user("王秀英")
    picker = await say(world, official["id"], official["id"], "/broadcast")
    await press(world, official, picker, button(picker, "✅ 选择此范围：平谷区"))
    await world.client.wait_for(official["id"], contains="请发送要群发的内容")
    started = time.monotonic()
    asked = await world.client.send_message(group["id"], resident["id"], "/whereami")
    await world.client.send_message(official["id"], official["id"], SIX_LOOPS)
    await world.client.wait_for(
        group["id"],
        predicate=lambda m: m.get("reply_to_message_id") == asked["message"]["message_id"],
        timeout=3,
    )
    refused = await world.client.wait_for(official["id"], contains="模板错误", timeout=5)
    assert time.monotonic() - started < 4
    assert "计算时间" in refused["text"] and refused["text"].startswith("这段内容不能发送")
