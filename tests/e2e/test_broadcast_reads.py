"""已阅 through the emulator: an official sends a district notice with the 已阅 button, residents
in groups of two towns press it (one twice), and /broadcast_report rolls the reads up by town."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from sqlmodel import col, func, select

from models.broadcasts import BroadcastRead
from tests.e2e.conftest import World
from tests.e2e.test_broadcast_schedule import draft
from tests.e2e.test_broadcast_wiring import OFFICIAL, button_texts
from tests.e2e.test_group_binding import TOWN_ADMIN1, WORKER1, say
from tests.e2e.test_tickets import answered, staff_with_dm

NOTICE = "本周六上午9点在社区广场开展免费义诊，请相互转告。"


async def bound_group(world: World, official: dict[str, Any], title: str, code: str) -> int:
    chat = await world.group_with_bot(title, official)
    await say(world, chat["id"], official["id"], f"/bind {code}")
    return int(chat["id"])


async def resident_in(world: World, chat_id: int, name: str) -> int:
    user = await world.client.create_user(name)
    await world.client.set_member(chat_id, user["id"], "member")
    return int(user["id"])


async def send_with_read_button(world: World, official: dict[str, Any], text: str) -> int:
    """Draft to the district, switch 已阅按钮 on, 立即发送; returns the broadcast number."""
    preview = await draft(world, official, text)
    toggle = preview["reply_markup"]["inline_keyboard"][1][1]
    await world.client.press_button(
        official["id"], preview["message_id"], official["id"], toggle["callback_data"]
    )
    await world.client.wait_for(
        official["id"], predicate=lambda m: "☑ 已阅按钮" in button_texts(m)
    )
    send = preview["reply_markup"]["inline_keyboard"][0][0]
    await world.client.press_button(
        official["id"], preview["message_id"], official["id"], send["callback_data"]
    )
    done = await world.client.wait_for(
        official["id"], predicate=lambda m: "已完成" in (m["text"] or ""), timeout=15
    )
    match = re.search(r"群发 #(\d+) 已完成", done["text"])
    assert match, done["text"]
    return int(match.group(1))


async def press_read(world: World, chat_id: int, user_id: int) -> str:
    copy = await world.client.wait_for(chat_id, contains=NOTICE)
    (button,) = [b for row in copy["reply_markup"]["inline_keyboard"] for b in row]
    assert button["text"] == "已阅"
    pressed = await world.client.press_button(
        chat_id, copy["message_id"], user_id, button["callback_data"]
    )
    return await answered(world, pressed["callback_query_id"])


async def reads(world: World, expect: int) -> int:
    """BroadcastRead rows, once `expect` of them are committed (answers precede the commit)."""
    for _ in range(100):
        async with world.db() as session:
            found = int(
                (await session.execute(select(func.count(col(BroadcastRead.id))))).scalar_one()
            )
        if found >= expect:
            return found
        await asyncio.sleep(0.05)
    return found


async def test_reads_count_once_per_person_and_roll_up_by_town(world: World) -> None:
    official = await staff_with_dm(world, OFFICIAL, "区里王科长")
    binhe = await bound_group(world, official, "府前社区1-2号楼群", "PG-01-001-01")
    xinggu = await bound_group(world, official, "新平北路社区1-2号楼群", "PG-02-001-01")
    quiet = await bound_group(world, official, "建西社区1-3号楼群", "PG-02-002-01")
    wang = await resident_in(world, binhe, "王秀英")
    zhao = await resident_in(world, xinggu, "赵建国")
    number = await send_with_read_button(world, official, NOTICE)
    await world.client.wait_for(quiet, contains=NOTICE)

    assert await press_read(world, binhe, wang) == "✅ 已确认阅读，谢谢！"
    assert await press_read(world, binhe, wang) == "您已确认过"
    assert await press_read(world, xinggu, zhao) == "✅ 已确认阅读，谢谢！"
    assert await reads(world, expect=2) == 2
    await asyncio.sleep(0.3)
    assert await reads(world, expect=3) == 2  # the second press added nothing

    report = await say(world, official["id"], official["id"], f"/broadcast_report {number}")
    assert report["text"] == (
        f"📊 群发 #{number} 阅读统计\n"
        "范围：平谷区\n"
        "已完成：送达 3/3 个群，失败 0，跳过 0\n"
        "已阅：2 人；2/3 个群有人已阅（67%）\n"
        "按下级（已阅率从低到高）：\n"
        "· 兴谷街道：送达 2 个群，已阅 1 人，1/2 个群有人已阅（50%）\n"
        "· 滨河街道：送达 1 个群，已阅 1 人，1/1 个群有人已阅（100%）"
    )


async def test_the_report_stays_inside_the_officials_subtree(world: World) -> None:
    official = await staff_with_dm(world, OFFICIAL, "区里王科长")
    await bound_group(world, official, "府前社区1-2号楼群", "PG-01-001-01")
    number = await send_with_read_button(world, official, NOTICE)
    town = await staff_with_dm(world, TOWN_ADMIN1, "镇街李主任")
    refused = await say(world, town["id"], town["id"], f"/broadcast_report {number}")
    assert refused["text"] == f"抱歉，群发 #{number} 不在您负责的区域内。"
    worker = await staff_with_dm(world, WORKER1, "张伟")
    refused = await say(world, worker["id"], worker["id"], f"/broadcast_report {number}")
    assert refused["text"].startswith("抱歉，只有社区、镇街和区级管理人员可以群发")
    usage = await say(world, official["id"], official["id"], "/broadcast_report 一")
    assert usage["text"] == "用法：/broadcast_report 群发编号"
