"""Missing-person alerts and edit broadcasts on a fake sender, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from broadcasts import BadRequest, BroadcastError, RetryAfter, create_broadcast, create_edit
from models.broadcasts import (
    Broadcast,
    BroadcastDelivery,
    BroadcastKind,
    BroadcastPriority,
    BroadcastStatus,
    DeliveryStatus,
    EditMode,
)
from models.groups import Group
from tests.support.broadcasts import FakeSender
from tests.test_broadcast_engine import FAST, deliveries, engine_for, group, node_id, seed

Factory = async_sessionmaker[AsyncSession]
PHOTO = "AgACAgIAAxkBAAIBphoto"
ALERT = "🚨 寻人启事｜请大家帮忙留意\n张大爷，78岁，穿蓝色外套，今天中午在府前街走失。"
FOUND = "✅ 已找到｜张大爷已平安到家，感谢大家！"


async def send_alert(factory: Factory, sender: FakeSender, code: str = "PG-01") -> int:
    async with factory() as session:
        alert = await create_broadcast(
            session,
            node_id=await node_id(factory, code),
            text=ALERT,
            photo=PHOTO,
            pin=True,
            priority=BroadcastPriority.urgent,
            kind=BroadcastKind.alert,
        )
        await session.commit()
    assert alert.id is not None
    await engine_for(factory, sender).run_until_idle()
    return alert.id


async def edit(factory: Factory, source_id: int, text: str, mode: EditMode, **kw: Any) -> int:
    async with factory() as session:
        created = await create_edit(session, source_id=source_id, text=text, mode=mode, **kw)
        await session.commit()
    assert created.id is not None
    return created.id


async def test_an_alert_with_a_photo_is_two_messages_with_the_text_pinned(
    session_factory: Factory,
) -> None:
    groups = await seed(session_factory, grids=8)
    sender = FakeSender()
    alert_id = await send_alert(session_factory, sender)
    town = [g for g in groups if g[2].startswith("PG-01-")]
    assert town and set(sender.sent) == {c for _, c, _ in town}
    for row in await deliveries(session_factory, alert_id):
        photo, text = sender.messages(row.chat_id or 0)
        assert (photo.kind, photo.photo, photo.text, photo.pinned) == (
            "photo",
            PHOTO,
            "寻人启事照片",
            False,
        )
        assert (text.kind, text.text, text.pinned) == ("text", ALERT, True)
        assert row.message_id == photo.message_id  # the first id is the photo's


async def test_an_edit_has_rows_only_for_copies_that_were_delivered(
    session_factory: Factory,
) -> None:
    groups = await seed(session_factory, grids=8)
    town = [g for g in groups if g[2].startswith("PG-01-")]
    kicked, gone_later = town[0], town[1]
    sender = FakeSender()
    sender.kick(kicked[1])
    async with session_factory() as session:  # a group the bot left before the alert
        await session.execute(
            update(Group).where(col(Group.id) == town[2][0]).values(active=False)
        )
        await session.commit()
    alert_id = await send_alert(session_factory, sender)
    async with session_factory() as session:  # and one it leaves after the alert
        await session.execute(
            update(Group).where(col(Group.id) == gone_later[0]).values(active=False)
        )
        await session.commit()
    edit_id = await edit(session_factory, alert_id, FOUND, EditMode.found)
    rows = {r.group_id: r for r in await deliveries(session_factory, edit_id)}
    delivered = {g for g, _, _ in town} - {kicked[0], town[2][0]}
    assert set(rows) == delivered
    assert rows[gone_later[0]].status is DeliveryStatus.skipped
    assert {r.status for g, r in rows.items() if g != gone_later[0]} == {DeliveryStatus.pending}
    async with session_factory() as session:
        stored = await session.get(Broadcast, edit_id)
    assert stored is not None
    assert (stored.kind, stored.source_id, stored.edit_mode) == (
        BroadcastKind.edit,
        alert_id,
        EditMode.found,
    )
    assert stored.priority is BroadcastPriority.urgent and stored.total == len(delivered)


async def test_an_update_edits_the_text_of_every_copy(session_factory: Factory) -> None:
    await seed(session_factory, grids=8)
    sender = FakeSender()
    alert_id = await send_alert(session_factory, sender)
    news = ALERT + "\n📢 最新情况：有人在汽车站附近见过他"
    edit_id = await edit(session_factory, alert_id, news, EditMode.update)
    sender.calls.clear()
    engine = engine_for(session_factory, sender)
    [report] = await engine.run_until_idle()
    assert report.broadcast_id == edit_id and report.counts.delivered == len(sender.sent)
    assert {name for _, name in sender.calls} == {"edit_text"}
    for row in await deliveries(session_factory, edit_id):
        photo, text = sender.messages(row.chat_id or 0)
        assert (photo.text, photo.edits) == ("寻人启事照片", 0)
        assert (text.text, text.edits, text.pinned) == (news, 1, True)
        assert row.status is DeliveryStatus.delivered and row.message_id == text.message_id


async def test_found_deletes_the_photo_edits_the_text_and_unpins(session_factory: Factory) -> None:
    await seed(session_factory, grids=8)
    sender = FakeSender()
    alert_id = await send_alert(session_factory, sender)
    edit_id = await edit(session_factory, alert_id, FOUND, EditMode.found)
    sender.calls.clear()
    engine = engine_for(session_factory, sender)
    [report] = await engine.run_until_idle()
    assert report.counts.delivered == len(sender.sent) and report.counts.failed == 0
    assert engine.limiter.started == len(sender.calls)  # one limiter slot per platform call
    for row in await deliveries(session_factory, edit_id):
        [text] = sender.messages(row.chat_id or 0)  # the photo is gone
        assert (text.kind, text.text, text.pinned) == ("text", FOUND, False)
        assert row.message_id == text.message_id and row.error is None
        assert [n for c, n in sender.calls if c == row.chat_id] == ["edit_text", "delete", "unpin"]


async def test_a_photo_that_cannot_be_deleted_gets_the_news_as_caption(
    session_factory: Factory,
) -> None:
    groups = await seed(session_factory, grids=8)
    sender = FakeSender()
    alert_id = await send_alert(session_factory, sender)
    old = next(c for _, c, t in groups if t.startswith("PG-01-"))
    refused = BadRequest("Bad Request: message can't be deleted for everyone")
    sender.fail(old, refused, call="delete")
    edit_id = await edit(session_factory, alert_id, FOUND, EditMode.found)
    [report] = await engine_for(session_factory, sender).run_until_idle()
    assert report.counts.failed == 0
    photo, text = sender.messages(old)
    assert (photo.kind, photo.text, photo.edits) == ("photo", FOUND, 1)
    assert (text.text, text.pinned) == (FOUND, False)
    row = next(r for r in await deliveries(session_factory, edit_id) if r.chat_id == old)
    assert row.status is DeliveryStatus.delivered
    assert "can't be deleted" in (row.error or "") and "edit_caption" in (row.error or "")


async def test_an_edit_meets_403_429_and_migration_like_a_send(session_factory: Factory) -> None:
    groups = await seed(session_factory, grids=8)
    sender = FakeSender()
    alert_id = await send_alert(session_factory, sender)
    (kicked_id, kicked, _), (_, flooded, _), (moved_id, moved, _) = [
        g for g in groups if g[2].startswith("PG-01-")
    ][:3]
    sender.kick(kicked)
    sender.fail(flooded, RetryAfter(0.05), call="edit_text")
    sender.migrate(moved, -1009876543210)
    edit_id = await edit(session_factory, alert_id, FOUND, EditMode.found)
    engine = engine_for(session_factory, sender)
    [report] = await engine.run_until_idle()
    assert engine.limiter.pauses == 1
    rows = {r.chat_id: r for r in await deliveries(session_factory, edit_id)}
    assert rows[kicked].status is DeliveryStatus.failed and "kicked" in (rows[kicked].error or "")
    assert not (await group(session_factory, kicked_id)).active
    assert rows[flooded].status is DeliveryStatus.delivered
    assert [m.text for m in sender.messages(flooded)] == [FOUND]
    # The copy stayed in the old chat: the record follows, the change goes as a new message.
    assert rows[-1009876543210].status is DeliveryStatus.delivered
    assert "became a supergroup" in (rows[-1009876543210].error or "")
    assert [m.text for m in sender.messages(-1009876543210)] == [FOUND]
    assert not sender.messages(-1009876543210)[0].pinned
    assert (await group(session_factory, moved_id)).chat_id == -1009876543210
    assert report.counts.failed == 1


async def test_a_crash_mid_edit_resumes_without_losing_rows(session_factory: Factory) -> None:
    await seed(session_factory, grids=24)
    sender = FakeSender(latency=0.001)
    alert_id = await send_alert(session_factory, sender, code="PG")
    edit_id = await edit(session_factory, alert_id, FOUND, EditMode.found)
    deleted = asyncio.Event()

    async def die_after_some_deletes(_chat_id: int) -> None:
        if len(sender.calls_named("delete")) >= 6:  # done, but the answer never comes back
            deleted.set()
            await asyncio.Event().wait()

    sender.after_send = die_after_some_deletes
    first = engine_for(session_factory, sender)
    running = asyncio.create_task(first.run_until_idle())
    await asyncio.wait_for(deleted.wait(), 10)
    await asyncio.sleep(0.05)
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    sender.after_send = None
    second = engine_for(session_factory, sender)
    [report] = await second.run_until_idle()
    in_flight = second.recovered_in_flight[edit_id]
    assert 0 < in_flight <= FAST.senders
    assert report.counts.delivered == 24 and report.counts.possibly_duplicated == in_flight
    for chat in sender.sent:
        [text] = sender.messages(chat)
        assert (text.text, text.pinned) == (FOUND, False)
    rows = await deliveries(session_factory, edit_id)
    assert all(r.status is DeliveryStatus.delivered for r in rows) and len(rows) == 24


async def test_found_stops_what_the_alert_has_not_sent_yet(session_factory: Factory) -> None:
    await seed(session_factory, grids=8)
    async with session_factory() as session:
        alert = await create_broadcast(
            session,
            node_id=await node_id(session_factory, "PG-01"),
            text=ALERT,
            kind=BroadcastKind.alert,
            pin=True,
        )
        await session.flush()
        first = await session.scalar(
            select(col(BroadcastDelivery.id))
            .where(col(BroadcastDelivery.broadcast_id) == alert.id)
            .order_by(col(BroadcastDelivery.seq))
            .limit(1)
        )
        await session.execute(  # one copy went out before the person was found
            update(BroadcastDelivery)
            .where(col(BroadcastDelivery.id) == first)
            .values(status=DeliveryStatus.delivered, message_id=77)
        )
        alert.status = BroadcastStatus.sending
        await session.commit()
    assert alert.id is not None
    edit_id = await edit(session_factory, alert.id, FOUND, EditMode.found)
    source_rows = await deliveries(session_factory, alert.id)
    assert [r.status for r in source_rows[1:]] == [DeliveryStatus.skipped] * (len(source_rows) - 1)
    assert {r.error for r in source_rows[1:]} == {"found before it was sent: not sent any more"}
    [only] = await deliveries(session_factory, edit_id)
    assert only.group_id == source_rows[0].group_id


async def test_impossible_edits_are_refused(session_factory: Factory) -> None:
    await seed(session_factory, grids=4)
    sender = FakeSender()
    alert_id = await send_alert(session_factory, sender)
    with pytest.raises(BroadcastError, match="no broadcast 999"):
        await edit(session_factory, 999, FOUND, EditMode.found)
    with pytest.raises(BroadcastError, match="不能为空"):
        await edit(session_factory, alert_id, " \n", EditMode.update)
    with pytest.raises(BroadcastError, match="原来只有 1 条"):
        await edit(session_factory, alert_id, "很长的更新。" * 1000, EditMode.update)
    with pytest.raises(BroadcastError, match=r"未知变量 group\.title"):
        await edit(session_factory, alert_id, "{{ group.title }}", EditMode.update)
    edit_id = await edit(session_factory, alert_id, FOUND, EditMode.found)
    with pytest.raises(BroadcastError, match="not another edit"):
        await edit(session_factory, edit_id, FOUND, EditMode.found)


async def test_an_update_made_while_the_alert_is_queued_waits_for_it(
    session_factory: Factory,
) -> None:
    groups = await seed(session_factory, grids=8)
    town = [c for _, c, t in groups if t.startswith("PG-01-")]
    async with session_factory() as session:
        alert = await create_broadcast(
            session,
            node_id=await node_id(session_factory, "PG-01"),
            text=ALERT,
            pin=True,
            kind=BroadcastKind.alert,
            priority=BroadcastPriority.urgent,
        )
        await session.commit()
    assert alert.id is not None
    news = ALERT + "\n📢 最新情况：穿黑色布鞋"
    edit_id = await edit(session_factory, alert.id, news, EditMode.update)
    assert len(await deliveries(session_factory, edit_id)) == len(town)
    sender = FakeSender()
    sender.fail(town[0], BadRequest("Bad Request: chat not found"))  # this copy never arrives
    reports = await engine_for(session_factory, sender).run_until_idle()
    assert [r.broadcast_id for r in reports] == [alert.id, edit_id]
    for chat in town[1:]:
        [copy] = sender.messages(chat)
        assert (copy.text, copy.edits, copy.pinned) == (news, 1, True)
    assert sender.messages(town[0]) == []
    skipped = next(r for r in await deliveries(session_factory, edit_id) if r.chat_id == town[0])
    assert skipped.status is DeliveryStatus.skipped
    assert skipped.error == "the original did not reach this group: nothing to edit"
