"""The broadcast engine on a fake sender, on SQLite and PostgreSQL: outbox, outcomes, resume."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from broadcasts import (
    BadRequest,
    BroadcastEngine,
    BroadcastError,
    EngineConfig,
    Progress,
    RateLimiter,
    RetryAfter,
    Transient,
    broadcast_report,
    cancel_broadcast,
    create_broadcast,
    delivered_message_ids,
    list_broadcasts,
)
from models.base import utcnow
from models.broadcasts import (
    Broadcast,
    BroadcastDelivery,
    BroadcastPriority,
    BroadcastStatus,
    DeliveryStatus,
)
from models.groups import Group
from models.tree import Node
from tests.support.broadcasts import FakeSender, seed_district

Factory = async_sessionmaker[AsyncSession]
FAST = EngineConfig(
    global_per_second=5000,
    senders=4,
    batch_size=16,
    backoff_base=0.01,
    backoff_cap=0.02,
    flood_extra=0.0,
    progress_interval=0.0,
    commit_linger=0.0,
)


async def seed(factory: Factory, grids: int = 24) -> list[tuple[int, int, str]]:
    async with factory() as session:
        groups = await seed_district(session, grids, with_staff=False)
        await session.commit()
    return groups


async def node_id(factory: Factory, code: str) -> int:
    async with factory() as session:
        found = await session.scalar(select(col(Node.id)).where(col(Node.code) == code))
    assert found is not None
    return int(found)


async def new_broadcast(factory: Factory, code: str = "PG", **options: Any) -> int:
    async with factory() as session:
        broadcast = await create_broadcast(
            session,
            node_id=await node_id(factory, code),
            text=options.pop("text", "停水通知"),
            **options,
        )
        await session.commit()
    assert broadcast.id is not None
    return broadcast.id


async def deliveries(factory: Factory, broadcast_id: int) -> list[BroadcastDelivery]:
    async with factory() as session:
        result = await session.execute(
            select(BroadcastDelivery)
            .where(col(BroadcastDelivery.broadcast_id) == broadcast_id)
            .order_by(col(BroadcastDelivery.seq))
        )
        return list(result.scalars())


async def group(factory: Factory, group_id: int) -> Group:
    async with factory() as session:
        found = await session.get(Group, group_id)
    assert found is not None
    return found


async def sent_at_least(sender: FakeSender, count: int) -> None:
    reached = asyncio.Event()

    async def check(_chat_id: int) -> None:
        if sender.total >= count:
            reached.set()

    sender.before_send = check
    await asyncio.wait_for(reached.wait(), 10)


def engine_for(factory: Factory, sender: FakeSender, **changes: Any) -> BroadcastEngine:
    config = EngineConfig(**{**FAST.__dict__, **changes})
    return BroadcastEngine(factory, sender, config)


def by_status(rows: Sequence[BroadcastDelivery]) -> dict[DeliveryStatus, int]:
    counts: dict[DeliveryStatus, int] = {}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    return counts


# --- the outbox and the happy path -------------------------------------------------------


async def test_one_row_per_group_then_each_active_group_gets_it_once(
    session_factory: Factory,
) -> None:
    groups = await seed(session_factory)
    inactive = {groups[3][0], groups[10][0]}
    async with session_factory() as session:
        await session.execute(
            update(Group).where(col(Group.id).in_(inactive)).values(active=False)
        )
        await session.commit()
    broadcast_id = await new_broadcast(session_factory)
    rows = await deliveries(session_factory, broadcast_id)
    assert [r.group_id for r in rows] == [g for g, _, _ in groups]  # tree order
    assert by_status(rows) == {DeliveryStatus.pending: 22, DeliveryStatus.skipped: 2}
    sender = FakeSender()
    [report] = await engine_for(session_factory, sender, senders=1).run_until_idle()
    assert report.status is BroadcastStatus.done
    assert (report.counts.delivered, report.counts.skipped, report.counts.failed) == (22, 2, 0)
    assert {i.group_id for i in report.skips} == inactive
    assert all(i.reason == "group inactive" for i in report.skips)
    sent_order = [chat for chat, _ in sender.calls]
    assert sent_order == [c for g, c, _ in groups if g not in inactive]
    assert all(len(sender.messages(c)) == 1 for g, c, _ in groups if g not in inactive)
    rows = await deliveries(session_factory, broadcast_id)
    for row in rows:
        if row.status is DeliveryStatus.delivered:
            assert row.message_id == sender.messages(row.chat_id or 0)[0].message_id
            assert row.attempts == 1 and row.finished_at is not None
    async with session_factory() as session:
        stored = await session.get(Broadcast, broadcast_id)
    assert stored is not None and stored.status is BroadcastStatus.done
    assert (stored.total, stored.delivered, stored.skipped) == (24, 22, 2)
    assert stored.started_at is not None and stored.finished_at is not None


async def test_a_subtree_gets_only_its_own_groups(session_factory: Factory) -> None:
    groups = await seed(session_factory)
    town = await node_id(session_factory, "PG-02")
    async with session_factory() as session:
        session.add(Group(chat_id=-77, title="town hall", node_id=town))
        session.add(Group(chat_id=-78, title="unbound"))
        await session.commit()
    broadcast_id = await new_broadcast(session_factory, "PG-02")
    sender = FakeSender()
    await engine_for(session_factory, sender).run_until_idle()
    expected = {c for _, c, t in groups if t.startswith("PG-02-")} | {-77}
    assert set(sender.sent) == expected
    assert len(await deliveries(session_factory, broadcast_id)) == len(expected)


async def test_creating_needs_a_node_and_something_to_send(session_factory: Factory) -> None:
    await seed(session_factory, grids=2)
    async with session_factory() as session:
        with pytest.raises(BroadcastError):
            await create_broadcast(session, node_id=99999, text="x")
        with pytest.raises(BroadcastError):
            await create_broadcast(session, node_id=await node_id(session_factory, "PG"), text=" ")


# --- what the platform answers ------------------------------------------------------------


async def test_a_429_holds_back_only_its_chat_then_the_row_is_retried(
    session_factory: Factory,
) -> None:
    groups = await seed(session_factory)
    flooded = groups[5][1]
    sender = FakeSender(clock=time.monotonic)
    sender.fail(flooded, RetryAfter(0.4))
    await new_broadcast(session_factory)
    engine = engine_for(session_factory, sender)
    started = time.monotonic()
    [report] = await engine.run_until_idle()
    assert report.counts.delivered == 24 and engine.limiter.pauses == 1
    [retried] = sender.messages(flooded)
    assert retried.at - started >= 0.4  # the flooded group waited what it was told
    others = [m for chat, ms in sender.sent.items() if chat != flooded for m in ms]
    # The other groups did not wait for it (a pause of all sending would put them after it).
    assert max(m.at for m in others) < retried.at - 0.2


async def test_a_403_marks_the_group_inactive_and_the_row_failed(session_factory: Factory) -> None:
    groups = await seed(session_factory)
    gone_id, gone_chat, gone_title = groups[7]
    sender = FakeSender()
    sender.kick(gone_chat)
    broadcast_id = await new_broadcast(session_factory)
    [report] = await engine_for(session_factory, sender).run_until_idle()
    assert (report.counts.delivered, report.counts.failed) == (23, 1)
    [failure] = report.failures
    assert (failure.group_id, failure.title, failure.chat_id) == (gone_id, gone_title, gone_chat)
    assert "kicked" in failure.reason and gone_title in failure.line()
    assert not (await group(session_factory, gone_id)).active
    row = next(r for r in await deliveries(session_factory, broadcast_id) if r.group_id == gone_id)
    assert row.status is DeliveryStatus.failed and row.message_id is None


async def test_a_migrated_group_follows_its_new_chat_id(session_factory: Factory) -> None:
    groups = await seed(session_factory)
    group_id, old_chat, _ = groups[2]
    new_chat = -1001234567890
    sender = FakeSender()
    sender.migrate(old_chat, new_chat)
    broadcast_id = await new_broadcast(session_factory)
    [report] = await engine_for(session_factory, sender).run_until_idle()
    assert report.counts.delivered == 24
    moved = await group(session_factory, group_id)
    assert (moved.chat_id, moved.migrated_from_chat_id) == (new_chat, old_chat)
    assert moved.chat_type == "supergroup" and moved.active
    assert len(sender.messages(new_chat)) == 1 and sender.messages(old_chat) == []
    row = next(
        r for r in await deliveries(session_factory, broadcast_id) if r.group_id == group_id
    )
    assert row.chat_id == new_chat and row.attempts == 2


async def test_transient_errors_back_off_then_succeed(session_factory: Factory) -> None:
    groups = await seed(session_factory, grids=4)
    shaky = groups[1][1]
    sender = FakeSender()
    sender.fail(shaky, Transient("502 Bad Gateway"), Transient("timeout"))
    broadcast_id = await new_broadcast(session_factory)
    [report] = await engine_for(session_factory, sender).run_until_idle()
    assert report.counts.delivered == 4
    row = next(r for r in await deliveries(session_factory, broadcast_id) if r.chat_id == shaky)
    assert row.status is DeliveryStatus.delivered and row.attempts == 3


async def test_transient_errors_give_up_after_the_cap(session_factory: Factory) -> None:
    groups = await seed(session_factory, grids=4)
    down = groups[0][1]
    sender = FakeSender()
    sender.fail(down, *[Transient("500 Internal Server Error")] * 5)
    broadcast_id = await new_broadcast(session_factory)
    [report] = await engine_for(session_factory, sender, max_attempts=3).run_until_idle()
    assert (report.counts.delivered, report.counts.failed) == (3, 1)
    assert report.failures[0].reason == "gave up after 3 attempts: 500 Internal Server Error"
    row = next(r for r in await deliveries(session_factory, broadcast_id) if r.chat_id == down)
    assert row.attempts == 3
    assert (await group(session_factory, row.group_id)).active  # not the group's fault


async def test_a_bad_request_fails_at_once(session_factory: Factory) -> None:
    groups = await seed(session_factory, grids=4)
    lost = groups[3][1]
    sender = FakeSender()
    sender.fail(lost, BadRequest("Bad Request: chat not found"))
    await new_broadcast(session_factory)
    [report] = await engine_for(session_factory, sender).run_until_idle()
    assert [f.reason for f in report.failures] == ["Bad Request: chat not found"]
    assert [c for c, _ in sender.calls].count(lost) == 1


# --- content -------------------------------------------------------------------------------


async def test_a_long_text_goes_out_in_parts_in_order(session_factory: Factory) -> None:
    groups = await seed(session_factory, grids=3)
    text = "\n\n".join(f"第{n}条：" + "请各户检查燃气阀门。" * 300 for n in range(1, 4))
    broadcast_id = await new_broadcast(session_factory, text=text)
    sender = FakeSender()
    await engine_for(session_factory, sender).run_until_idle()
    async with session_factory() as session:
        ids = await delivered_message_ids(session, broadcast_id)
    for _, chat, _ in groups:
        messages = sender.messages(chat)
        assert len(messages) == 3
        assert [m.text[:3] for m in messages if m.text] == ["第1条", "第2条", "第3条"]
        assert ids[chat] == [m.message_id for m in messages]
    row = (await deliveries(session_factory, broadcast_id))[0]
    assert row.message_id == json.loads(row.message_ids or "[]")[0]


async def test_photo_with_caption_and_pin(session_factory: Factory) -> None:
    groups = await seed(session_factory, grids=2)
    broadcast_id = await new_broadcast(
        session_factory, text="防汛演练，见图。", photo="AgACAgIAAxkBAAIB", pin=True
    )
    sender = FakeSender()
    await engine_for(session_factory, sender).run_until_idle()
    for _, chat, _ in groups:
        [message] = sender.messages(chat)
        assert (message.kind, message.photo, message.text) == (
            "photo",
            "AgACAgIAAxkBAAIB",
            "防汛演练，见图。",
        )
        assert message.pinned
    unpinned = FakeSender(pin_error="not enough rights to pin a message")
    second = await new_broadcast(session_factory, text="再次提醒", pin=True)
    await engine_for(session_factory, unpinned).run_until_idle()
    rows = await deliveries(session_factory, second)
    assert all(r.status is DeliveryStatus.delivered for r in rows)
    assert all(r.error == "not pinned: not enough rights to pin a message" for r in rows)
    assert broadcast_id != second


# --- crashes -------------------------------------------------------------------------------


async def test_rows_left_sending_by_a_crash_are_reported_and_sent_again(
    session_factory: Factory,
) -> None:
    groups = await seed(session_factory)
    broadcast_id = await new_broadcast(session_factory)
    rows = await deliveries(session_factory, broadcast_id)
    in_flight = [r.id for r in rows[5:8]]
    done = [r.id for r in rows[:5]]
    async with session_factory() as session:  # what a crashed run left behind
        await session.execute(
            update(BroadcastDelivery)
            .where(col(BroadcastDelivery.id).in_(in_flight))
            .values(status=DeliveryStatus.sending)
        )
        await session.execute(
            update(BroadcastDelivery)
            .where(col(BroadcastDelivery.id).in_(done))
            .values(status=DeliveryStatus.delivered, message_id=1)
        )
        await session.execute(
            update(Broadcast).where(col(Broadcast.id) == broadcast_id).values(status="sending")
        )
        await session.commit()
    sender = FakeSender()
    engine = engine_for(session_factory, sender)
    [report] = await engine.run_until_idle()
    assert engine.recovered_in_flight == {broadcast_id: 3}
    assert report.counts.delivered == 24 and report.counts.possibly_duplicated == 3
    assert "3 possibly duplicated" in report.lines()[0]
    assert len(sender.sent) == 24 - 5  # the five finished ones were not sent again
    rows = await deliveries(session_factory, broadcast_id)
    assert [r.id for r in rows if r.possibly_duplicated] == in_flight
    async with session_factory() as session:
        stored = await session.get(Broadcast, broadcast_id)
    assert stored is not None and stored.possibly_duplicated == 3
    assert len(groups) == 24


async def test_killed_half_way_then_resumed(session_factory: Factory) -> None:
    groups = await seed(session_factory, grids=40)
    broadcast_id = await new_broadcast(session_factory)
    sender = FakeSender(latency=0.002)
    half_way = asyncio.Event()

    async def die_half_way(_chat_id: int) -> None:
        if sender.total >= 20:  # delivered, but the answer never comes back
            half_way.set()
            await asyncio.Event().wait()

    sender.after_send = die_half_way
    first = engine_for(session_factory, sender)
    running = asyncio.create_task(first.run_until_idle())
    await asyncio.wait_for(half_way.wait(), 10)
    await asyncio.sleep(0.05)  # every sender is now stuck in a call
    running.cancel()  # the process dies: what was in flight stays `sending`
    with pytest.raises(asyncio.CancelledError):
        await running
    sender.after_send = None
    second = engine_for(session_factory, sender)
    [report] = await second.run_until_idle()
    in_flight = sum(second.recovered_in_flight.values())
    assert 0 < in_flight <= FAST.senders
    assert report.counts.delivered == 40 and report.counts.possibly_duplicated == in_flight
    copies = [len(sender.messages(c)) for _, c, _ in groups]
    assert min(copies) == 1
    assert sum(1 for n in copies if n > 1) == in_flight  # each of them did arrive twice
    rows = await deliveries(session_factory, broadcast_id)
    assert all(r.status is DeliveryStatus.delivered for r in rows)
    assert sum(r.possibly_duplicated for r in rows) == in_flight


# --- progress, priorities, scheduling, cancelling ----------------------------------------


async def test_progress_goes_to_callbacks_and_watchers(session_factory: Factory) -> None:
    await seed(session_factory)
    broadcast_id = await new_broadcast(session_factory)
    seen: list[Progress] = []
    engine = BroadcastEngine(
        session_factory, FakeSender(latency=0.002), FAST, on_progress=seen.append
    )
    watched: list[Progress] = []

    async def watch() -> None:
        async for progress in engine.watch(broadcast_id):
            watched.append(progress)

    watcher = asyncio.create_task(watch())
    await asyncio.sleep(0)
    await engine.run_until_idle()
    await asyncio.wait_for(watcher, 2)
    assert seen[-1].finished and watched[-1].finished
    final = seen[-1]
    assert (final.total, final.delivered, final.remaining, final.fraction) == (24, 24, 0, 1.0)
    done = [p.done for p in seen]
    assert done == sorted(done) and done[0] < 24
    assert final.elapsed_s > 0 and final.eta_s == 0.0
    assert "24/24" in final.line()


async def test_an_urgent_alert_overtakes_a_broadcast_under_way(session_factory: Factory) -> None:
    groups = await seed(session_factory, grids=40)
    normal = await new_broadcast(session_factory, text="常规通知")
    sender = FakeSender(latency=0.004)
    engine = engine_for(session_factory, sender, senders=2, batch_size=4)
    stop = asyncio.Event()
    serving = asyncio.create_task(engine.serve(stop))
    await sent_at_least(sender, 6)
    urgent = await new_broadcast(
        session_factory, text="紧急：山洪预警", priority=BroadcastPriority.urgent
    )
    engine.notify()
    finished: list[int] = []

    async def wait_for(broadcast_id: int) -> None:
        async for progress in engine.watch(broadcast_id):
            if progress.finished:
                finished.append(broadcast_id)

    await asyncio.wait_for(asyncio.gather(wait_for(normal), wait_for(urgent)), 10)
    stop.set()
    await serving
    assert finished == [urgent, normal]
    texts = [m.text for _, c, _ in groups for m in sender.messages(c)]
    assert texts.count("紧急：山洪预警") == 40 and texts.count("常规通知") == 40


async def test_urgent_first_among_queued_ones(session_factory: Factory) -> None:
    await seed(session_factory, grids=4)
    first = await new_broadcast(session_factory, text="A")
    second = await new_broadcast(session_factory, text="B", priority=BroadcastPriority.urgent)
    sender = FakeSender()
    reports = await engine_for(session_factory, sender, senders=1).run_until_idle()
    assert [r.broadcast_id for r in reports] == [second, first]
    assert [m.text for ms in sender.sent.values() for m in ms][:1] == ["B"]


async def test_a_scheduled_broadcast_waits_for_its_time(session_factory: Factory) -> None:
    await seed(session_factory, grids=4)
    later = utcnow() + timedelta(hours=2)
    broadcast_id = await new_broadcast(session_factory, scheduled_at=later)
    sender = FakeSender()
    assert await engine_for(session_factory, sender).run_until_idle() == []
    assert sender.total == 0
    engine = BroadcastEngine(
        session_factory, sender, FAST, now=lambda: utcnow() + timedelta(hours=3)
    )
    [report] = await engine.run_until_idle()
    assert report.broadcast_id == broadcast_id and sender.total == 4


async def test_cancelling_skips_what_was_not_sent(session_factory: Factory) -> None:
    await seed(session_factory, grids=4)
    broadcast_id = await new_broadcast(session_factory)
    async with session_factory() as session:
        assert await cancel_broadcast(session, broadcast_id, utcnow())
        assert not await cancel_broadcast(session, broadcast_id, utcnow())
        await session.commit()
    sender = FakeSender()
    assert await engine_for(session_factory, sender).run_until_idle() == []
    assert sender.total == 0
    async with session_factory() as session:
        report = await broadcast_report(session, broadcast_id)
    assert report.status is BroadcastStatus.cancelled and report.counts.skipped == 4
    assert {i.reason for i in report.skips} == {"broadcast cancelled"}


async def test_list_broadcasts_with_their_figures(session_factory: Factory) -> None:
    await seed(session_factory, grids=4)
    sent = await new_broadcast(session_factory, text="已发送")
    sender = FakeSender()
    sender.kick(-(4_100_000_000 + 1))
    await engine_for(session_factory, sender).run_until_idle()
    waiting = await new_broadcast(session_factory, text="待发送")
    async with session_factory() as session:
        listed = await list_broadcasts(session)
        open_only = await list_broadcasts(session, open_only=True)
    assert [b.id for b in listed] == [waiting, sent]
    assert [b.id for b in open_only] == [waiting]
    done = listed[1]
    assert done.status is BroadcastStatus.done and done.text == "已发送"
    assert (done.counts.total, done.counts.delivered, done.counts.failed) == (4, 3, 1)
    # The kicked group is inactive now: the next broadcast skips it from the start.
    assert (listed[0].counts.pending, listed[0].counts.skipped) == (3, 1)


async def test_an_engine_can_share_the_bots_send_budget(session_factory: Factory) -> None:
    await seed(session_factory, grids=4)
    await new_broadcast(session_factory)
    shared = RateLimiter(5000, 20, margin=0.0)
    engine = BroadcastEngine(session_factory, FakeSender(), FAST, limiter=shared)
    [report] = await engine.run_until_idle()
    assert report.counts.delivered == 4
    assert engine.limiter is shared and shared.started == 4
