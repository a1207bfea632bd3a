"""/broadcast and /poll reach any node of the official's subtree: level by level with buttons,
or by a typed code; never a node outside it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from channels.telegram.callbacks import BroadcastTarget, TargetOpen
from models.broadcasts import Broadcast
from models.tree_service import node_by_code
from tests.e2e.conftest import World
from tests.e2e.test_group_binding import TOWN_ADMIN1, say
from tests.e2e.test_tickets import answered, staff_with_dm

OFFICIAL = 900000001
NOTICE = "本周六上午9点楼道消防检查，请清理杂物。"


async def bound_groups(world: World, official: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A group on each of three grids of 滨河街道 and one of 兴谷街道, by grid code."""
    groups = {}
    for code in ("PG-01-001-01", "PG-01-001-02", "PG-01-002-01", "PG-02-001-01"):
        groups[code] = await world.group_with_bot(f"{code} 群", official)
        await say(world, groups[code]["id"], official["id"], f"/bind {code}")
    return groups


def buttons(message: dict[str, Any]) -> list[list[str]]:
    return [[b["text"] for b in row] for row in message["reply_markup"]["inline_keyboard"]]


def button(message: dict[str, Any], text: str) -> str:
    rows = message["reply_markup"]["inline_keyboard"]
    return str(next(b["callback_data"] for row in rows for b in row if b["text"] == text))


async def press(world: World, user: dict[str, Any], message: dict[str, Any], data: str) -> str:
    """Press a button under `message`; the press's callback query id."""
    pressed = await world.client.press_button(user["id"], message["message_id"], user["id"], data)
    return str(pressed["callback_query_id"])


async def screen(world: World, user: dict[str, Any], picker: int, path: str) -> dict[str, Any]:
    """The picker message once it shows `path`."""
    return await world.client.wait_for(
        user["id"],
        predicate=lambda m: m["message_id"] == picker and f"当前：{path}\n" in (m["text"] or ""),
    )


async def send_now(world: World, admin: dict[str, Any], text: str) -> None:
    preview = await say(world, admin["id"], admin["id"], text)
    await press(world, admin, preview, button(preview, "立即发送"))


async def received(world: World, chat_id: int, text: str) -> bool:
    return any(text in (m["text"] or "") for m in await world.client.bot_messages(chat_id))


async def test_a_town_admin_drills_down_to_one_grid(world: World) -> None:
    official = await world.staff(OFFICIAL, "黄静")
    groups = await bound_groups(world, official)
    admin = await staff_with_dm(world, TOWN_ADMIN1, "郭志强")
    picker = await say(world, admin["id"], admin["id"], "/broadcast")
    assert "当前：平谷区 › 滨河街道\n" in picker["text"] and "PG-01-001" in picker["text"]
    assert buttons(picker) == [
        ["✅ 选择此范围：滨河街道"],
        ["府前社区", "下一级 ›"],
        ["承平里社区", "下一级 ›"],
    ]
    community = picker["reply_markup"]["inline_keyboard"][1][1]["callback_data"]
    await press(world, admin, picker, community)
    shown = await screen(world, admin, picker["message_id"], "平谷区 › 滨河街道 › 府前社区")
    assert buttons(shown) == [
        ["✅ 选择此范围：府前社区"],
        ["1-2号楼网格", "3-6号楼网格"],
        ["‹ 返回上一级"],
    ]
    await press(world, admin, shown, button(shown, "3-6号楼网格"))
    await world.client.wait_for(
        admin["id"], contains="发送到：平谷区 › 滨河街道 › 府前社区 › 3-6号楼网格（1 个群）"
    )
    await send_now(world, admin, NOTICE)
    await world.client.wait_for(groups["PG-01-001-02"]["id"], contains=NOTICE)
    await world.client.wait_for(admin["id"], contains="已完成：送达 1，失败 0", timeout=15)
    for code in ("PG-01-001-01", "PG-01-002-01", "PG-02-001-01"):
        assert not await received(world, groups[code]["id"], NOTICE)
    await press(world, admin, shown, button(shown, "‹ 返回上一级"))
    back = await screen(world, admin, picker["message_id"], "平谷区 › 滨河街道")
    assert buttons(back) == buttons(picker)


async def test_a_town_admin_types_a_community_code_in_any_case(world: World) -> None:
    official = await world.staff(OFFICIAL, "黄静")
    groups = await bound_groups(world, official)
    admin = await staff_with_dm(world, TOWN_ADMIN1, "郭志强")
    await say(world, admin["id"], admin["id"], "/broadcast")
    unknown = await say(world, admin["id"], admin["id"], "PG-09")
    assert unknown["text"].startswith("没有编号为 PG-09 的节点")
    await world.client.send_message(admin["id"], admin["id"], "pg-01-002")
    await world.client.wait_for(
        admin["id"], contains="发送到：平谷区 › 滨河街道 › 承平里社区（1 个群）"
    )
    await send_now(world, admin, NOTICE)
    await world.client.wait_for(groups["PG-01-002-01"]["id"], contains=NOTICE)
    await world.client.wait_for(admin["id"], contains="已完成：送达 1，失败 0", timeout=15)
    for code in ("PG-01-001-01", "PG-01-001-02", "PG-02-001-01"):
        assert not await received(world, groups[code]["id"], NOTICE)


async def test_a_poll_goes_to_a_community_picked_by_its_code(world: World) -> None:
    admin = await staff_with_dm(world, TOWN_ADMIN1, "郭志强")
    picker = await say(world, admin["id"], admin["id"], "/poll")
    assert picker["text"].startswith("请选择测评范围")
    await world.client.send_message(admin["id"], admin["id"], "PG-01-001")
    asked = await world.client.wait_for(admin["id"], contains="请发送测评的问题")
    assert asked["text"].startswith("发送到：平谷区 › 滨河街道 › 府前社区")


async def test_nothing_outside_the_subtree_can_be_picked(world: World) -> None:
    admin = await staff_with_dm(world, TOWN_ADMIN1, "郭志强")
    picker = await say(world, admin["id"], admin["id"], "/broadcast")
    refused = await say(world, admin["id"], admin["id"], "PG-02-001")
    assert refused["text"] == "抱歉，这个范围不在您负责的区域内。"
    async with world.db() as session:
        town, grid = (
            await node_by_code(session, "PG-02"),
            await node_by_code(session, "PG-02-001-01"),
        )
    assert town is not None and town.id is not None and grid is not None and grid.id is not None
    forged = [TargetOpen(node_id=town.id).pack(), BroadcastTarget(node_id=grid.id).pack()]
    for data in forged:  # buttons the bot never offered this admin
        query = await press(world, admin, picker, data)
        assert await answered(world, query) == "抱歉，这个范围不在您负责的区域内。"
    poll = await say(world, admin["id"], admin["id"], "/poll")
    assert poll["text"].startswith("请选择测评范围")
    poll_refused = await say(world, admin["id"], admin["id"], "pg-02")
    assert poll_refused["text"] == "抱歉，这个范围不在您负责的区域内。"
    async with world.db() as session:
        assert await session.scalar(select(func.count()).select_from(Broadcast)) == 0
