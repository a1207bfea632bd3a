"""A district broadcast through the running bot when Telegram misbehaves: one group has kicked
the bot (403), one became a supergroup, one answer is a 429, and the text is too long for one
message. Every other group gets the whole text, in order; the report names the kicked group."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import col

from broadcasts.split import TEXT_LIMIT, utf16_len
from models.groups import Group
from tests.e2e.conftest import World
from tests.e2e.test_broadcast_wiring import OFFICIAL, draft_to_district
from tests.e2e.test_group_binding import say
from tests.e2e.test_tickets import staff_with_dm

GRIDS = ["PG-01-001-01", "PG-01-001-02", "PG-01-002-01", "PG-02-001-01", "PG-02-002-02"]


def long_notice() -> str:
    """About 5,300 UTF-16 units: numbered paragraphs, with emoji that count two units each."""
    items = [
        f"{n}. 第{n}项：请各网格员于本周五前入户核实独居老人、残障人士的用电用气情况，"
        f"发现隐患立即上报社区并做好登记，确保冬季取暖安全。🔥⚠️"
        for n in range(1, 81)
    ]
    return "【平谷区冬季安全工作通知】\n\n" + "\n\n".join(items) + "\n\n平谷区应急管理局"


async def grid_groups(world: World, official: dict[str, Any]) -> list[dict[str, Any]]:
    groups = []
    for n, code in enumerate(GRIDS, start=1):
        chat = await world.group_with_bot(f"第{n}网格群", official)
        await say(world, chat["id"], official["id"], f"/bind {code}")
        groups.append(chat)
    return groups


async def notice_parts(world: World, chat_id: int) -> list[dict[str, Any]]:
    messages = await world.client.bot_messages(chat_id)
    start = next((i for i, m in enumerate(messages) if "冬季安全" in (m["text"] or "")), None)
    return [] if start is None else messages[start:]


def squeezed(text: str) -> str:
    return "".join(text.split())


async def test_a_district_broadcast_survives_kicks_migrations_floods_and_long_text(
    world: World,
) -> None:
    official = await staff_with_dm(world, OFFICIAL, "区里王科长")
    plain, kicked, migrated, flooded, last = await grid_groups(world, official)
    await world.client.set_fault(kicked["id"], "kicked")
    moved = (await world.client.set_fault(migrated["id"], "migrate"))["migrated_to"]
    await world.client.set_fault(flooded["id"], "flood", count=1, retry_after=1)
    text = long_notice()
    assert utf16_len(text) > TEXT_LIMIT + 1000

    preview = await draft_to_district(world, official, text)
    assert "将发送到 平谷区 下的 5 个群" in preview["text"]
    send = preview["reply_markup"]["inline_keyboard"][0][0]
    await world.client.press_button(
        official["id"], preview["message_id"], official["id"], send["callback_data"]
    )
    report = await world.client.wait_for(
        official["id"],
        predicate=lambda m: "已完成：送达 4，失败 1" in (m["text"] or ""),
        timeout=30,
    )
    assert kicked["title"] in report["text"]

    for chat_id in (plain["id"], moved, flooded["id"], last["id"]):
        parts = await notice_parts(world, chat_id)
        assert len(parts) == 2, chat_id  # one text over the limit: two messages
        assert [p["message_id"] for p in parts] == sorted(p["message_id"] for p in parts)
        assert all(utf16_len(p["text"]) <= TEXT_LIMIT for p in parts)
        assert squeezed("".join(p["text"] for p in parts)) == squeezed(text)
    assert await notice_parts(world, migrated["id"]) == []
    assert await notice_parts(world, kicked["id"]) == []
    stats = await world.client.stats()
    assert stats["http_429"] == 1  # the injected one, waited out; the engine kept the limits

    async with world.db() as session:
        rows = await session.execute(
            select(col(Group.title), col(Group.chat_id), col(Group.active)).where(
                col(Group.title).in_([kicked["title"], migrated["title"]])
            )
        )
        records = {title: (chat_id, active) for title, chat_id, active in rows.all()}
    assert records[kicked["title"]] == (kicked["id"], False)
    assert records[migrated["title"]] == (moved, True)
