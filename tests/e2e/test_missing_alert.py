"""寻人联动 through the emulator: a resident's report, the worker's one-tap confirmation, the
alert pinned in every group of the town, and 已找到 edited into every copy."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlmodel import select

from models.alerts import AlertStatus, MissingAlert
from models.group_service import group_by_chat
from tests.e2e.conftest import World
from tests.e2e.test_group_binding import TOWN_ADMIN1, say
from tests.e2e.test_tickets import answered, grid_group, tickets

OFFICIAL = 900000001  # district official: binds the group of another town
FATHER = "我父亲走失了，穿蓝色外套，78岁"
TOWN_GRIDS = ("PG-01-001-02", "PG-01-002-01")  # same community; same town, other community
OTHER_TOWN_GRID = "PG-02-001-01"


async def admin_group(world: World, code: str, by: dict[str, Any]) -> dict[str, Any]:
    """A group bound to `code` where the bot is an admin (so it may pin)."""
    chat = await world.group_with_bot(f"{code} 网格群", by)
    await world.client.bot_action(chat["id"], "promote", by["id"])
    await say(world, chat["id"], by["id"], f"/bind {code}")
    return chat


async def district(world: World) -> tuple[dict[str, Any], dict[str, Any], list[int], int]:
    """Worker, resident, the reporter's group, every group of the town, one group outside."""
    worker, resident, home = await grid_group(world)
    await world.client.bot_action(home["id"], "promote", worker["id"])
    town_admin = await world.staff(TOWN_ADMIN1, "郭志强")
    official = await world.staff(OFFICIAL, "黄静")
    town = [home["id"]] + [(await admin_group(world, c, town_admin))["id"] for c in TOWN_GRIDS]
    outside = await admin_group(world, OTHER_TOWN_GRID, official)
    return worker, resident, town, outside["id"]


def alert_copy(message: dict[str, Any]) -> bool:
    return "🚨 寻人启事" in (message["text"] or "") and bool(message["pinned"])


async def found_alert(world: World) -> MissingAlert:
    for _ in range(100):
        async with world.db() as session:
            alert = (await session.execute(select(MissingAlert))).scalar_one_or_none()
        if alert is not None and alert.status is AlertStatus.found:
            return alert
        await asyncio.sleep(0.05)
    raise AssertionError("the alert was never marked found")


async def confirm_from_dm(world: World, worker: dict[str, Any], number: int | None) -> None:
    dm = await world.client.wait_for(worker["id"], contains=f"新工单 #{number}")
    (button,) = dm["reply_markup"]["inline_keyboard"][1]
    assert button["text"] == "🚨 确认发布寻人启事"
    await world.client.press_button(
        worker["id"], dm["message_id"], worker["id"], button["callback_data"]
    )


async def test_missing_person_alert_to_a_town_and_the_found_edit_of_every_copy(
    world: World,
) -> None:
    worker, resident, town, outside = await district(world)
    opened = await say(world, town[0], resident["id"], FATHER)
    assert opened["text"].startswith("📝 已登记：寻人（紧急）")
    (ticket,) = await tickets(world)

    await confirm_from_dm(world, worker, ticket.id)
    done = await world.client.wait_for(worker["id"], contains="寻人启事已发布")
    assert "发往 滨河街道 的 3 个群" in done["text"]
    assert done["reply_markup"]["inline_keyboard"][0][0]["text"] == "✅ 已找到"
    copies = [await world.client.wait_for(chat, predicate=alert_copy) for chat in town]
    for copy in copies:
        assert "衣着：穿蓝色外套" in copy["text"] and "年龄：78岁" in copy["text"]
        assert "黄秀英（13830000001）" in copy["text"] and "110" in copy["text"]
    assert not any(
        "寻人启事" in (m["text"] or "") for m in await world.client.bot_messages(outside)
    )
    result = await world.client.wait_for(worker["id"], contains="📋 结果")
    assert "📋 结果：已送达 3/3 个群，其中 3 个群已置顶。" in result["text"]

    world.clock.advance(timedelta(minutes=95))
    reply = await say(world, worker["id"], worker["id"], f"/found {ticket.id} 在汽车站找到了")
    assert f"已标记找到：工单 #{ticket.id}，用时 1 小时 35 分钟" in reply["text"]
    for chat, copy in zip(town, copies, strict=True):
        edited = await world.client.wait_for(
            chat,
            predicate=edited_to_found(copy["message_id"], unpinned=True),
        )
        assert "感谢" in edited["text"] and "穿蓝色外套" not in edited["text"]
    await world.client.wait_for(town[0], contains="人已找到，在汽车站找到了")
    lifted = await world.client.wait_for(worker["id"], contains="已改为「已找到」，其中")
    assert "3/3 个群的寻人启事已改为「已找到」，其中 3 个群已取消置顶。" in lifted["text"]
    alert = await found_alert(world)
    assert alert.found_seconds == 95 * 60


async def test_a_photo_alert_loses_its_photo_when_the_person_is_found(world: World) -> None:
    worker, resident, town, _outside = await district(world)
    await world.client.send_photo(town[0], resident["id"], caption=FATHER)
    await world.client.wait_for(town[0], contains="已登记：寻人")
    (ticket,) = await tickets(world)
    await confirm_from_dm(world, worker, ticket.id)
    photos = [
        await world.client.wait_for(chat, predicate=lambda m: bool(m["photo"])) for chat in town
    ]
    texts = [await world.client.wait_for(chat, predicate=alert_copy) for chat in town]

    pressed = await world.client.wait_for(worker["id"], contains="寻人启事已发布")
    found = pressed["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    await world.client.press_button(worker["id"], pressed["message_id"], worker["id"], found)
    await world.client.wait_for(worker["id"], contains="已标记找到")
    for chat, photo, text in zip(town, photos, texts, strict=True):
        await world.client.wait_for(
            chat,
            predicate=edited_to_found(text["message_id"]),
        )
        await wait_deleted(world, chat, photo["message_id"])


def edited_to_found(message_id: int, unpinned: bool = False) -> Callable[[dict[str, Any]], bool]:
    """The copy `message_id`, edited to 已找到 (and, with `unpinned`, no longer pinned)."""

    def check(m: dict[str, Any]) -> bool:
        found = m["message_id"] == message_id and "已找到" in (m["text"] or "")
        return found and not (unpinned and m["pinned"])

    return check


async def wait_deleted(world: World, chat_id: int, message_id: int) -> None:
    for _ in range(200):
        entries = await world.client.transcript(chat_id)
        if any(e["message_id"] == message_id and e["deleted"] for e in entries):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"message {message_id} in chat {chat_id} was never deleted")


async def test_refusals_and_the_reporters_phone_consent(world: World) -> None:
    worker, resident, town, _outside = await district(world)
    neighbour = await world.client.create_user("李阿姨")
    opened = await say(world, town[0], resident["id"], "我父亲走失了，78岁，有线索请打13812345678")
    assert "138****5678" in opened["text"] and "13812345678" not in opened["text"]
    (consent,) = opened["reply_markup"]["inline_keyboard"][0]
    assert consent["text"] == "同意公开我的电话"
    (ticket,) = await tickets(world)

    other = await world.client.press_button(
        town[0], opened["message_id"], neighbour["id"], consent["callback_data"]
    )
    assert "只有反映情况的居民本人" in await answered(world, other["callback_query_id"])
    refused = await say(world, worker["id"], worker["id"], f"/alert_update {ticket.id} 新情况")
    assert "尚未发布" in refused["text"]
    usage = await say(world, worker["id"], worker["id"], "/found")
    assert usage["text"] == "用法：/found 工单号 [找到的情况]"

    mine = await world.client.press_button(
        town[0], opened["message_id"], resident["id"], consent["callback_data"]
    )
    assert "已同意" in await answered(world, mine["callback_query_id"])
    await confirm_from_dm(world, worker, ticket.id)
    copy = await world.client.wait_for(town[1], predicate=alert_copy)
    assert "家属电话：13812345678" in copy["text"]
    await say(world, worker["id"], worker["id"], f"/alert_update {ticket.id} 有人在汽车站见过他")
    await world.client.wait_for(
        town[1],
        predicate=lambda m: (
            m["message_id"] == copy["message_id"] and "最新情况" in (m["text"] or "")
        ),
    )


async def test_found_reaches_groups_that_became_supergroups_after_the_alert(world: World) -> None:
    """A group's copy stays behind when it becomes a supergroup, so it cannot be edited: the
    found notice goes to its new chat as a new message, whether the bot saw the move (the
    service message) or only meets it when the edit is refused."""
    worker, resident, town, _outside = await district(world)
    await say(world, town[0], resident["id"], FATHER)
    (ticket,) = await tickets(world)
    await confirm_from_dm(world, worker, ticket.id)
    copies = [await world.client.wait_for(chat, predicate=alert_copy) for chat in town]

    seen = (await world.client.migrate(town[1], by_user_id=worker["id"]))["new_chat_id"]
    await record_moved(world, seen)
    unseen = (await world.client.set_fault(town[2], "migrate"))["migrated_to"]
    await say(world, worker["id"], worker["id"], f"/found {ticket.id}")

    await world.client.wait_for(
        town[0],
        predicate=lambda m: m["message_id"] == copies[0]["message_id"] and "已找到" in m["text"],
    )
    for chat in (seen, unseen):
        notice = await world.client.wait_for(chat, contains="已找到")
        assert "感谢" in notice["text"] and not notice["pinned"]
    assert len(await world.client.bot_messages(unseen)) == 1  # nothing sent there twice


async def record_moved(world: World, new_chat_id: int) -> None:
    """Wait until the bot has handled the migration: the group's record holds the new id."""
    for _ in range(100):
        async with world.db() as session:
            if await group_by_chat(session, new_chat_id) is not None:
                return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the group record never moved to {new_chat_id}")
