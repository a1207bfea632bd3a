"""群众满意度测评 through the emulator: a town admin polls the town, residents of three groups
answer (one tries twice), /poll_results rolls the answers up by community; others are refused."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from sqlmodel import col, func, select

from models.broadcasts import PollAnswer
from tests.e2e.conftest import World
from tests.e2e.test_broadcast_reads import bound_group, resident_in
from tests.e2e.test_group_binding import TOWN_ADMIN1, WORKER1, say
from tests.e2e.test_tickets import answered, staff_with_dm

TOWN_ADMIN2 = 910000002  # 兴谷街道
QUESTION = "您对本月小区环境整治工作是否满意？"


async def start_poll(world: World, admin: dict[str, Any]) -> int:
    """/poll → 滨河街道 → question → a refused option list → 默认 → 确认; the poll's number."""
    pick = await say(world, admin["id"], admin["id"], "/poll")
    town = pick["reply_markup"]["inline_keyboard"][0][0]
    assert town["text"] == "✅ 选择此范围：滨河街道"
    await world.client.press_button(
        admin["id"], pick["message_id"], admin["id"], town["callback_data"]
    )
    await world.client.wait_for(admin["id"], contains="请发送测评的问题")
    ask = await say(world, admin["id"], admin["id"], QUESTION)
    assert (
        ask["text"]
        == "请发送选项，每行一个（2–10 个）；发送「默认」使用：满意 / 基本满意 / 不满意"
    )
    refused = await say(world, admin["id"], admin["id"], "只有一个选项")
    assert refused["text"].startswith("至少需要 2 个选项")
    preview = await say(world, admin["id"], admin["id"], "默认")
    assert preview["text"] == (
        f"测评预览：\n————\n{QUESTION}\n【满意】\n【基本满意】\n【不满意】\n————\n"
        "将发送到 平谷区 › 滨河街道 下的 3 个群，每人限投一票。确认发出吗？"
    )
    confirm = preview["reply_markup"]["inline_keyboard"][0][0]
    await world.client.press_button(
        admin["id"], preview["message_id"], admin["id"], confirm["callback_data"]
    )
    sent = await world.client.wait_for(admin["id"], contains="已发出")
    match = re.search(r"测评 #(\d+) 已发出，共 3 个群", sent["text"])
    assert match, sent["text"]
    return int(match.group(1))


async def vote(world: World, chat_id: int, user_id: int, label: str) -> str:
    poll = await world.client.wait_for(chat_id, contains=QUESTION)
    buttons = [b for row in poll["reply_markup"]["inline_keyboard"] for b in row]
    assert [b["text"] for b in buttons] == ["满意", "基本满意", "不满意"]
    button = next(b for b in buttons if b["text"] == label)
    pressed = await world.client.press_button(
        chat_id, poll["message_id"], user_id, button["callback_data"]
    )
    return await answered(world, pressed["callback_query_id"])


async def answers(world: World, expect: int) -> int:
    for _ in range(100):
        async with world.db() as session:
            found = int(
                (await session.execute(select(func.count(col(PollAnswer.id))))).scalar_one()
            )
        if found >= expect:
            return found
        await asyncio.sleep(0.05)
    return found


async def test_a_town_poll_is_answered_once_each_and_rolled_up_by_community(
    world: World,
) -> None:
    admin = await staff_with_dm(world, TOWN_ADMIN1, "镇街李主任")
    first = await bound_group(world, admin, "府前社区1-2号楼群", "PG-01-001-01")
    second = await bound_group(world, admin, "府前社区3-6号楼群", "PG-01-001-02")
    third = await bound_group(world, admin, "承平里社区1-2号楼群", "PG-01-002-01")
    other_admin = await staff_with_dm(world, TOWN_ADMIN2, "兴谷街道吴主任")
    outside = await bound_group(world, other_admin, "新平北路社区群", "PG-02-001-01")
    number = await start_poll(world, admin)

    votes = [(first, "满意"), (first, "满意"), (second, "基本满意"), (third, "不满意")]
    votes.append((third, "满意"))
    people = [await resident_in(world, chat, f"居民{i}") for i, (chat, _) in enumerate(votes)]
    for person, (chat, label) in zip(people, votes, strict=True):
        assert await vote(world, chat, person, label) == f"已投票：{label}，感谢参与！"
    assert await vote(world, first, people[1], "不满意") == "您已投过票：满意"
    assert await answers(world, expect=5) == 5
    await asyncio.sleep(0.3)
    assert await answers(world, expect=6) == 5
    texts = [m["text"] or "" for m in await world.client.bot_messages(outside)]
    assert not any(QUESTION in t for t in texts)

    results = await say(world, admin["id"], admin["id"], f"/poll_results {number}")
    assert results["text"] == (
        f"📋 测评 #{number} 结果：{QUESTION}\n"
        "范围：平谷区 › 滨河街道；送达 3 个群，共 5 人作答\n"
        "· 满意：3 票（60%）\n"
        "· 基本满意：1 票（20%）\n"
        "· 不满意：1 票（20%）\n"
        "按下级：\n"
        "府前社区（送达 2 个群，3 人作答）：满意 2（67%），基本满意 1（33%），不满意 0（0%）\n"
        "承平里社区（送达 1 个群，2 人作答）：满意 1（50%），基本满意 0（0%），不满意 1（50%）"
    )
    elsewhere = await say(world, other_admin["id"], other_admin["id"], f"/poll_results {number}")
    assert elsewhere["text"] == f"抱歉，测评 #{number} 不在您负责的区域内。"
    resident = await say(world, first, people[0], f"/poll_results {number}")
    assert resident["text"] == "抱歉，只有社区、镇街和区级管理人员可以发起测评和查看结果。"


async def test_grid_workers_and_residents_cannot_poll(world: World) -> None:
    worker = await staff_with_dm(world, WORKER1, "张伟")
    for command in ("/poll", "/poll_results 1"):
        refused = await say(world, worker["id"], worker["id"], command)
        assert refused["text"] == "抱歉，只有社区、镇街和区级管理人员可以发起测评和查看结果。"
    group = await bound_group(world, worker, "府前社区1-2号楼群", "PG-01-001-01")
    resident = await resident_in(world, group, "王秀英")
    refused = await say(world, group, resident, "/poll")
    assert refused["text"] == "抱歉，只有社区、镇街和区级管理人员可以发起测评和查看结果。"
