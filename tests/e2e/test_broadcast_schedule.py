"""定时发送 from the chat: refused times, /scheduled with its 取消 buttons, and a scheduled
broadcast that goes out once, on time, after the bot was restarted in between."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any

from models.broadcasts import Broadcast, BroadcastStatus
from tests.e2e.conftest import World
from tests.e2e.test_broadcast_wiring import OFFICIAL
from tests.e2e.test_group_binding import say
from tests.e2e.test_tickets import answered, staff_with_dm

# The FakeClock starts at 2026-11-24 09:00 UTC: 17:00 in the district (Asia/Shanghai).


async def schedule(world: World, official: dict[str, Any], text: str, *times: str) -> int:
    """Draft `text` to the district, press 定时发送, answer with `times` (the last one is
    accepted); returns the broadcast number from the confirmation."""
    preview = await draft(world, official, text)
    later = preview["reply_markup"]["inline_keyboard"][0][1]
    assert later["text"] == "定时发送"
    await world.client.press_button(
        official["id"], preview["message_id"], official["id"], later["callback_data"]
    )
    await world.client.wait_for(
        official["id"], contains="请发送定时发送的时间", after_message_id=preview["message_id"]
    )
    for typed in times:
        answer = await say(world, official["id"], official["id"], typed)
    match = re.search(r"已安排定时群发 #(\d+)", answer["text"])
    assert match, answer["text"]
    return int(match.group(1))


async def draft(world: World, official: dict[str, Any], text: str, target: int = 0) -> Any:
    """/broadcast, pick the `target`-th node offered, write `text`: the preview message."""
    pick = await say(world, official["id"], official["id"], "/broadcast")
    node = [b for row in pick["reply_markup"]["inline_keyboard"] for b in row][target]
    await world.client.press_button(
        official["id"], pick["message_id"], official["id"], node["callback_data"]
    )
    await world.client.wait_for(
        official["id"], contains="请发送要群发的内容", after_message_id=pick["message_id"]
    )
    return await say(world, official["id"], official["id"], text)


async def copies(world: World, chat_id: int, words: str) -> int:
    return sum(words in (m["text"] or "") for m in await world.client.bot_messages(chat_id))


async def status_of(world: World, broadcast_id: int, wanted: BroadcastStatus) -> None:
    for _ in range(100):
        async with world.db() as session:
            broadcast = await session.get(Broadcast, broadcast_id)
        if broadcast is not None and broadcast.status is wanted:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"broadcast {broadcast_id} never became {wanted}")


async def test_past_and_unreadable_times_are_refused_and_asked_again(world: World) -> None:
    official = await staff_with_dm(world, OFFICIAL, "区里王科长")
    preview = await draft(world, official, "周五上午10点消防演练")
    later = preview["reply_markup"]["inline_keyboard"][0][1]
    await world.client.press_button(
        official["id"], preview["message_id"], official["id"], later["callback_data"]
    )
    await world.client.wait_for(official["id"], contains="请发送定时发送的时间")
    past = await say(world, official["id"], official["id"], "2026-11-24 08:00")
    assert past["text"] == (
        "这个时间已经过去了（现在是 北京时间 2026-11-24 17:00），请发送一个以后的时间。"
    )
    nonsense = await say(world, official["id"], official["id"], "等人齐了再发")
    assert nonsense["text"].startswith("没看懂这个时间。")
    done = await say(world, official["id"], official["id"], "明天 8:00")
    assert done["text"].startswith("🕗 已安排定时群发 #")
    assert "2026-11-25 08:00 发送到 平谷区" in done["text"]


async def test_a_scheduled_broadcast_goes_out_once_after_a_restart(world: World) -> None:
    official = await staff_with_dm(world, OFFICIAL, "区里王科长")
    group = await world.group_with_bot("第1网格群", official)
    await say(world, group["id"], official["id"], "/bind PG-01-001-01")
    drill = await schedule(world, official, "周五上午10点消防演练，请勿惊慌。", "17:10")
    dropped = await schedule(world, official, "这条定时通知会被取消", "明天 8:00")

    listing = await say(world, official["id"], official["id"], "/scheduled")
    assert f"#{drill}　北京时间 2026-11-24 17:10　平谷区（1 个群）" in listing["text"]
    assert f"#{dropped}　北京时间 2026-11-25 08:00　平谷区（1 个群）" in listing["text"]
    buttons = [b for row in listing["reply_markup"]["inline_keyboard"] for b in row]
    assert [b["text"] for b in buttons] == [f"取消 #{drill}", f"取消 #{dropped}"]
    pressed = await world.client.press_button(
        official["id"], listing["message_id"], official["id"], buttons[1]["callback_data"]
    )
    assert (
        await answered(world, pressed["callback_query_id"]) == f"已取消群发 #{dropped}，没有发送。"
    )
    await status_of(world, dropped, BroadcastStatus.cancelled)

    await world.stop()
    assert await copies(world, group["id"], "消防演练") == 0
    await world.start()
    await asyncio.sleep(1.5)  # the engine has looked at the outbox: not due yet
    assert await copies(world, group["id"], "消防演练") == 0

    world.clock.advance(timedelta(minutes=10))
    got = await world.client.wait_for(group["id"], contains="消防演练", timeout=15)
    assert got["text"] == "周五上午10点消防演练，请勿惊慌。"
    await status_of(world, drill, BroadcastStatus.done)
    world.clock.advance(timedelta(days=1))  # past the cancelled one's time too
    assert world.runtime is not None
    world.runtime.broadcasts.notify()
    await asyncio.sleep(1.0)
    assert await copies(world, group["id"], "消防演练") == 1
    assert await copies(world, group["id"], "会被取消") == 0

    late = await say(world, official["id"], official["id"], f"/cancel_broadcast {drill}")
    assert late["text"] == f"群发 #{drill} 已发送完毕，无法取消。"
    empty = await say(world, official["id"], official["id"], "/scheduled")
    assert empty["text"] == "目前没有待发的定时群发。"
