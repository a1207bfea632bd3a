"""Broadcasts through the real aiogram Bot (bot/sender.py) against the Bot API emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import SendMessage
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from broadcasts import (
    BadRequest,
    BroadcastEngine,
    EngineConfig,
    Forbidden,
    Migrated,
    RetryAfter,
    Transient,
    create_broadcast,
    create_edit,
)
from broadcasts.split import utf16_len
from channels.telegram.callbacks import BroadcastRead, PollVote
from channels.telegram.sender import AiogramSender, map_error
from emulator import BotAPIEmulator, EmulatorClient
from models.broadcasts import BroadcastDelivery, BroadcastKind, BroadcastPriority, EditMode
from models.groups import Group
from models.tree import Node
from tests.support.broadcasts import seed_district

TOKEN = "123456:TEST-TOKEN"
Factory = async_sessionmaker[AsyncSession]


@pytest.fixture
async def emu() -> AsyncIterator[BotAPIEmulator]:
    # Telegram's limits, with a global limit high enough for a quick test.
    emulator = BotAPIEmulator(token=TOKEN, limits=True, global_per_second=500)
    await emulator.start()
    yield emulator
    await emulator.stop()


async def district(
    factory: Factory, client: EmulatorClient, grids: int, admin_in: int = 0
) -> list[tuple[int, int, str]]:
    """The groups in the database and in the emulator; the bot is an admin in the first
    `admin_in` of them and a plain member in the rest."""
    async with factory() as session:
        groups = await seed_district(session, grids, with_staff=False)
        await session.commit()
    for n, (_, chat_id, title) in enumerate(groups):
        status = "administrator" if n < admin_in else "member"
        await client.create_group(title, id=chat_id, bot_status=status)
    return groups


async def broadcast_to_all(factory: Factory, text: str, **options: Any) -> int:
    async with factory() as session:
        root = await session.scalar(select(col(Node.id)).where(col(Node.code) == "PG"))
        assert root is not None
        broadcast = await create_broadcast(session, node_id=root, text=text, **options)
        await session.commit()
    assert broadcast.id is not None
    return broadcast.id


async def test_kicked_and_migrated_groups_among_a_hundred(
    session_factory: Factory, client: EmulatorClient, bot: Bot
) -> None:
    """5% of the groups answer 403 and 1% migrated: every other group gets the message once,
    the migrated one at its new id, and the report names the five."""
    groups = await district(session_factory, client, 100)
    kicked = groups[10:15]
    migrated_id, migrated_chat, _ = groups[40]
    for _, chat_id, _ in kicked:
        await client.set_fault(chat_id, "kicked")
    new_chat = (await client.set_fault(migrated_chat, "migrate"))["migrated_to"]
    await client.set_fault(groups[60][1], "server_error", count=2)
    await client.set_fault(groups[70][1], "flood", count=1, retry_after=1)
    broadcast_id = await broadcast_to_all(session_factory, "【通知】今晚 20:00 消防演练。")
    config = EngineConfig(global_per_second=400, senders=8, backoff_base=0.05)
    engine = BroadcastEngine(session_factory, AiogramSender(bot), config)
    [report] = await engine.run_until_idle()

    assert report.broadcast_id == broadcast_id
    assert (report.counts.delivered, report.counts.failed, report.counts.skipped) == (95, 5, 0)
    named = {(f.title, f.chat_id) for f in report.failures}
    assert named == {(title, chat_id) for _, chat_id, title in kicked}
    assert all("bot was kicked from the group chat" in f.reason for f in report.failures)
    assert engine.limiter.pauses == 1

    stats = await client.stats()
    assert stats["http_429"] == 1  # only the injected one: the engine kept the limits
    per_chat = {int(k): v for k, v in stats["sent_per_chat"].items()}
    reached = {c for _, c, _ in groups} - {c for _, c, _ in kicked} - {migrated_chat}
    assert {c: per_chat.get(c) for c in reached} == dict.fromkeys(reached, 1)
    assert per_chat[new_chat] == 1 and migrated_chat not in per_chat

    async with session_factory() as session:
        moved = await session.get(Group, migrated_id)
        assert moved is not None and moved.chat_id == new_chat
        inactive = await session.scalars(select(col(Group.id)).where(col(Group.active).is_(False)))
        assert set(inactive) == {g for g, _, _ in kicked}
        row = await session.scalar(
            select(BroadcastDelivery).where(
                col(BroadcastDelivery.broadcast_id) == broadcast_id,
                col(BroadcastDelivery.group_id) == groups[60][0],
            )
        )
        assert row is not None and row.attempts == 3
    [message] = await client.bot_messages(new_chat)
    assert message["text"] == "【通知】今晚 20:00 消防演练。"


async def test_long_text_photo_and_pin_through_the_emulator(
    session_factory: Factory, client: EmulatorClient, bot: Bot, tmp_path: Path
) -> None:
    groups = await district(session_factory, client, 2, admin_in=1)
    photo = tmp_path / "flood-map.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0 a small map \xff\xd9")
    text = "🌊 防汛通知\n\n" + "\n\n".join(
        f"第{n}段：" + "请远离河道，注意安全。" * 120 for n in range(6)
    )
    await broadcast_to_all(session_factory, text, photo=str(photo), pin=True)
    sender = AiogramSender(bot)
    engine = BroadcastEngine(session_factory, sender, EngineConfig(global_per_second=400))
    [report] = await engine.run_until_idle()
    assert report.counts.delivered == 2
    assert str(photo) in sender._uploaded  # uploaded once, then reused by file id
    pinned_chat, member_chat = groups[0][1], groups[1][1]
    for chat_id in (pinned_chat, member_chat):
        messages = await client.bot_messages(chat_id)
        assert messages[0]["photo"] and messages[0]["caption"].startswith("🌊 防汛通知")
        assert all(utf16_len(m["text"] or m["caption"] or "") <= 4096 for m in messages)
        assert len(messages) >= 3
        body = "".join((m["caption"] or "") + (m["text"] or "") for m in messages)
        assert "".join(body.split()) == "".join(text.split())
    assert (await client.bot_messages(pinned_chat))[0]["pinned"]
    assert not (await client.bot_messages(member_chat))[0]["pinned"]
    async with session_factory() as session:
        rows = list(await session.scalars(select(BroadcastDelivery)))
    notes = {r.group_id: r.error for r in rows}
    assert notes[groups[0][0]] is None
    assert (notes[groups[1][0]] or "").startswith("not pinned: ")


def test_aiogram_errors_map_onto_the_engines_outcomes() -> None:
    method = SendMessage(chat_id=-1, text="x")
    flood = map_error(TelegramRetryAfter(method, "Too Many Requests: retry after 7", 7))
    assert isinstance(flood, RetryAfter) and flood.seconds == 7
    moved = map_error(TelegramMigrateToChat(method, "group chat was upgraded", -100123))
    assert isinstance(moved, Migrated) and moved.new_chat_id == -100123
    assert isinstance(map_error(TelegramForbiddenError(method, "bot was kicked")), Forbidden)
    assert isinstance(map_error(TelegramServerError(method, "Internal Server Error")), Transient)
    assert isinstance(map_error(TelegramNetworkError(method, "timeout")), Transient)
    assert isinstance(map_error(TelegramBadRequest(method, "chat not found")), BadRequest)
    assert isinstance(map_error(TelegramEntityTooLarge(method, "too large")), BadRequest)
    assert isinstance(map_error(TimeoutError()), Transient)
    assert map_error(TelegramForbiddenError(method, "bot was kicked")).reason == "bot was kicked"


async def test_read_and_poll_buttons_arrive_with_their_callback_data(
    session_factory: Factory, client: EmulatorClient, bot: Bot
) -> None:
    groups = await district(session_factory, client, 2)
    notice = await broadcast_to_all(session_factory, "周六上午大扫除，请阅知。", read_button=True)
    poll = await broadcast_to_all(
        session_factory,
        "您对本月社区环境整治满意吗？",
        kind=BroadcastKind.poll,
        options=["满意", "基本满意", "不满意"],
    )
    engine = BroadcastEngine(session_factory, AiogramSender(bot), EngineConfig(400))
    await engine.run_until_idle()
    for _, chat_id, _ in groups:
        read, vote = await client.bot_messages(chat_id)
        [[button]] = read["reply_markup"]["inline_keyboard"]
        assert button == {
            "text": "已阅",
            "callback_data": BroadcastRead(broadcast_id=notice).pack(),
        }
        [row] = vote["reply_markup"]["inline_keyboard"]
        assert [(b["text"], b["callback_data"]) for b in row] == [
            (label, PollVote(broadcast_id=poll, option=n).pack())
            for n, label in enumerate(["满意", "基本满意", "不满意"])
        ]


async def test_the_found_edit_shows_in_every_group(
    session_factory: Factory, client: EmulatorClient, bot: Bot, tmp_path: Path
) -> None:
    """A pinned alert with a photo, then 已找到: the text is edited in place, the photo
    message is gone, and nothing is pinned any more."""
    groups = await district(session_factory, client, 3, admin_in=3)
    photo = tmp_path / "missing.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0 a portrait \xff\xd9")
    alert_text = "🚨 寻人启事｜张大爷，78岁，穿蓝色外套。"
    alert_id = await broadcast_to_all(
        session_factory,
        alert_text,
        photo=str(photo),
        pin=True,
        kind=BroadcastKind.alert,
        priority=BroadcastPriority.urgent,
    )
    sender = AiogramSender(bot)
    engine = BroadcastEngine(session_factory, sender, EngineConfig(400))
    await engine.run_until_idle()
    alerts = {}
    for _, chat_id, _ in groups:
        picture, text = await client.bot_messages(chat_id)
        assert picture["photo"] and picture["caption"] == "寻人启事照片"
        assert text["text"] == alert_text and text["pinned"] and not picture["pinned"]
        alerts[chat_id] = (picture["message_id"], text["message_id"])
    async with session_factory() as session:
        await create_edit(
            session, source_id=alert_id, text="✅ 已找到｜感谢大家！", mode=EditMode.found
        )
        await session.commit()
    [report] = await engine.run_until_idle()
    assert report.counts.delivered == 3 and report.counts.failed == 0
    for _, chat_id, _ in groups:
        picture_id, text_id = alerts[chat_id]
        entries = {e["message_id"]: e for e in await client.transcript(chat_id)}
        assert entries[picture_id]["deleted"]
        found = entries[text_id]
        assert found["text"] == "✅ 已找到｜感谢大家！" and found["edited"]
        assert found["edit_history"] == [alert_text] and not found["pinned"]
        assert [m["message_id"] for m in await client.bot_messages(chat_id)] == [text_id]
    # Telegram refuses an edit that changes nothing; the adapter counts it as done.
    chat_id = groups[0][1]
    await sender.edit_text(chat_id, alerts[chat_id][1], "✅ 已找到｜感谢大家！")
