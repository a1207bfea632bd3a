"""Demo scene: a missing-person alert across a town that ends with 已找到 in every group."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlmodel import col, select

from core.db import session_scope
from demo.runner import Stage
from models.groups import Group
from models.tree import Node
from models.tree_service import node_by_code

TOWN = "PG-01"
NEIGHBOUR_GRID = "PG-01-002-01"  # another community of the same town


async def town_chats(stage: Stage) -> list[int]:
    """Chat ids of the active groups bound anywhere under the town."""
    async with session_scope(stage.runtime.session_factory) as session:
        town = await node_by_code(session, TOWN)
        assert town is not None
        found = await session.execute(
            select(Group.chat_id)
            .join(Node, col(Node.id) == Group.node_id)
            .where(col(Node.lineage).startswith(town.lineage), col(Group.active))
            .order_by(col(Group.id))
        )
        return list(found.scalars())


async def neighbour_group(stage: Stage) -> None:
    """Another community's grid worker adds the bot to their group and binds it."""
    client, row = stage.client, stage.worker_of(NEIGHBOUR_GRID)
    worker = await client.create_user(row.name, id=row.telegram_id)
    group = await client.create_group("承平里社区1-2号楼网格群")
    await client.set_member(group["id"], worker["id"], "creator")
    await client.add_bot(group["id"], worker["id"])
    await client.wait_for(group["id"], contains="/bind")
    await stage.say(group["id"], worker, f"/bind {NEIGHBOUR_GRID}")


def found_copy(message_id: int) -> Callable[[dict[str, Any]], bool]:
    """The alert message `message_id`, edited to 已找到 and no longer pinned."""

    def check(message: dict[str, Any]) -> bool:
        text = message["text"] or ""
        return message["message_id"] == message_id and "已找到" in text and not message["pinned"]

    return check


def is_alert(message: dict[str, Any]) -> bool:
    return "🚨 寻人启事" in (message["text"] or "") and bool(message["pinned"])


async def scene_missing_alert(stage: Stage) -> None:
    """Reported in one grid, confirmed with one tap, pinned town-wide, then 已找到 everywhere."""
    client, chat = stage.client, stage.chats["grid1"]["id"]
    worker, resident = stage.users["worker"], stage.users["resident"]
    await stage.heading("同一街道另一个社区的网格群也接入机器人；各群设机器人为管理员（可置顶）")
    await neighbour_group(stage)
    chats = await town_chats(stage)
    for chat_id in chats:
        await client.bot_action(chat_id, "promote", worker["id"])

    await stage.heading("居民在群里报告老人走失，机器人登记并私信网格员、社区和街道")
    await stage.say(chat, resident, "十万火急！我父亲今天中午12点走失了，穿蓝色外套，78岁")
    dm = await stage.wait(worker["id"], "｜寻人｜")
    number = dm["text"].split("#", 1)[1].split("｜", 1)[0]

    await stage.heading("网格员在私聊里一键确认，寻人启事紧急插队，发到全街道每个群并置顶")
    await stage.tap(worker["id"], dm, worker, "网格员", row=1)
    await stage.wait(worker["id"], "寻人启事已发布")
    copies = [await client.wait_for(c, predicate=is_alert, timeout=60) for c in chats]

    await stage.heading("1 小时 40 分钟后老人在汽车站被找到，网格员发送 /found")
    stage.clock.advance(timedelta(minutes=100))
    await stage.note("(模拟时间快进 1 小时 40 分钟)")
    await stage.say(worker["id"], worker, f"/found {number} 在汽车站找到，已平安到家")
    for chat_id, copy in zip(chats, copies, strict=True):
        await client.wait_for(chat_id, predicate=found_copy(copy["message_id"]), timeout=60)
    await stage.settled()  # the unpins go after the edits
    still = await still_pinned(stage, chats, copies)
    await stage.note(
        f"(全街道 {len(chats)} 个群的寻人启事都已改为「已找到」，"
        f"{len(chats) - still} 个群已取消置顶；用时已记入工单)"
    )


async def still_pinned(stage: Stage, chats: list[int], copies: list[dict[str, Any]]) -> int:
    """How many of the alert's copies the emulator still shows pinned (what the groups see)."""
    pinned = 0
    for chat_id, copy in zip(chats, copies, strict=True):
        for message in await stage.client.bot_messages(chat_id):
            pinned += message["message_id"] == copy["message_id"] and bool(message["pinned"])
    return pinned
