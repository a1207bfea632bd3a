"""Officials managing broadcasts, on SQLite and PostgreSQL: who sees which, the scheduled queue,
cancelling before and after the start, the date jobs, and `gridbot broadcasts`."""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from bot.broadcast_jobs import ScheduledSends
from broadcasts.management import (
    Access,
    CancelOutcome,
    cancel_for,
    queued_scheduled,
    scopes,
    visible_broadcast,
)
from broadcasts.polls import record_vote
from broadcasts.reads import record_read
from broadcasts.service import create_broadcast
from cli.broadcast import broadcast as broadcast_command
from cli.broadcast import broadcasts as broadcasts_command
from core.config import Settings
from models.broadcasts import (
    Broadcast,
    BroadcastDelivery,
    BroadcastKind,
    BroadcastStatus,
    DeliveryStatus,
)
from models.tree_service import node_by_code
from tests.support.broadcasts import fake_chat_id, seed_district

DISTRICT_OFFICIAL, TOWN1_ADMIN, TOWN2_ADMIN = 900000001, 910000001, 910000002
COMMUNITY_ADMIN, GRID_WORKER = 920000001, 930000001
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


async def queue(
    session: AsyncSession, code: str, at: datetime | None = None, read_button: bool = False
) -> int:
    node = await node_by_code(session, code)
    assert node is not None and node.id is not None
    created = await create_broadcast(
        session,
        node_id=node.id,
        text=f"{code} 的通知",
        scheduled_at=at,
        read_button=read_button,
        now=NOW,
    )
    await session.commit()
    assert created.id is not None
    return created.id


async def settle(session: AsyncSession, broadcast_id: int, status: BroadcastStatus) -> None:
    """What the engine would have done: every copy delivered and the broadcast `status`."""
    await session.execute(
        update(BroadcastDelivery)
        .where(col(BroadcastDelivery.broadcast_id) == broadcast_id)
        .values(status=DeliveryStatus.delivered)
    )
    await session.execute(
        update(Broadcast).where(col(Broadcast.id) == broadcast_id).values(status=status)
    )
    await session.commit()


async def test_officials_see_broadcasts_of_their_own_subtree_only(session: AsyncSession) -> None:
    await seed_district(session, 8)
    town1 = await queue(session, "PG-01")
    seen = [
        (await visible_broadcast(session, user, town1))[0]
        for user in (DISTRICT_OFFICIAL, TOWN1_ADMIN, TOWN2_ADMIN, COMMUNITY_ADMIN, GRID_WORKER)
    ]
    assert seen == [Access.allowed, Access.allowed] + [Access.refused] * 3
    assert (await visible_broadcast(session, TOWN1_ADMIN, 999))[0] is Access.unknown
    assert [n.code for n in await scopes(session, TOWN1_ADMIN)] == ["PG-01"]
    assert await scopes(session, GRID_WORKER) == []


async def test_the_scheduled_queue_is_soonest_first_within_the_subtree(
    session: AsyncSession,
) -> None:
    await seed_district(session, 8)
    later = await queue(session, "PG-01-001", NOW + timedelta(days=2))
    sooner = await queue(session, "PG-02", NOW + timedelta(hours=1))
    soonest = await queue(session, "PG-01", NOW + timedelta(minutes=10))
    await queue(session, "PG-01")  # not scheduled
    sent = await queue(session, "PG-01", NOW - timedelta(minutes=5))
    await settle(session, sent, BroadcastStatus.done)

    def ids(found: list[Broadcast]) -> list[int | None]:
        return [b.id for b in found]

    assert ids(await queued_scheduled(session)) == [soonest, sooner, later]
    town1 = await scopes(session, TOWN1_ADMIN)
    assert ids(await queued_scheduled(session, town1)) == [soonest, later]
    assert ids(await queued_scheduled(session, [])) == []


async def test_cancelling_before_and_after_the_start_says_which(session: AsyncSession) -> None:
    await seed_district(session, 8)
    waiting = await queue(session, "PG-01", NOW + timedelta(hours=1))
    refused = await cancel_for(session, TOWN2_ADMIN, waiting, NOW)
    assert refused.outcome is CancelOutcome.refused
    done = await cancel_for(session, TOWN1_ADMIN, waiting, NOW)
    assert (done.outcome, done.counts.skipped, done.counts.delivered) == (
        CancelOutcome.cancelled,
        4,
        0,
    )
    again = await cancel_for(session, TOWN1_ADMIN, waiting, NOW)
    assert again.outcome is CancelOutcome.cancelled_before

    running = await queue(session, "PG-01")
    await session.execute(
        update(BroadcastDelivery)
        .where(
            col(BroadcastDelivery.broadcast_id) == running,
            col(BroadcastDelivery.chat_id) == fake_chat_id(1),
        )
        .values(status=DeliveryStatus.delivered)
    )
    await session.execute(
        update(Broadcast)
        .where(col(Broadcast.id) == running)
        .values(status=BroadcastStatus.sending)
    )
    stopped = await cancel_for(session, None, running, NOW)
    assert (stopped.outcome, stopped.counts.delivered, stopped.counts.skipped) == (
        CancelOutcome.stopped,
        1,
        3,
    )
    finished = await queue(session, "PG-02")
    await settle(session, finished, BroadcastStatus.done)
    assert (await cancel_for(session, None, finished, NOW)).outcome is CancelOutcome.finished
    assert (await cancel_for(session, None, 999, NOW)).outcome is CancelOutcome.unknown


async def test_date_jobs_are_restored_and_wake_the_engine(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await seed_district(session, 8)
    soon = datetime.now(UTC) + timedelta(seconds=0.3)
    kept = await queue(session, "PG-01", soon)
    dropped = await queue(session, "PG-02", soon)
    await queue(session, "PG-01")  # not scheduled: no job
    woken = asyncio.Event()
    scheduler = AsyncIOScheduler(timezone="UTC")
    jobs = ScheduledSends(scheduler, woken.set)
    assert await jobs.restore(session_factory) == 2
    assert await jobs.restore(session_factory) == 0  # in line already: nothing added twice
    jobs.remove(dropped)
    jobs.remove(dropped)  # gone already: nothing to do
    scheduler.start()
    try:
        assert [j.id for j in scheduler.get_jobs()] == [ScheduledSends.job_id(kept)]
        await asyncio.wait_for(woken.wait(), timeout=5)
    finally:
        scheduler.shutdown(wait=False)


async def test_the_sync_follows_broadcasts_scheduled_and_cancelled_by_another_process(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    """The command line schedules and cancels in its own process: the bot's periodic sync
    gives those broadcasts their date jobs, and takes the cancelled one's away."""
    await seed_district(session, 8)
    later = NOW + timedelta(days=300)
    first = await queue(session, "PG-01", later)
    await session.commit()
    scheduler = AsyncIOScheduler(timezone="UTC")
    jobs = ScheduledSends(scheduler, lambda: None)
    jobs.keep_in_sync(session_factory)
    assert await jobs.restore(session_factory) == 1
    second = await queue(session, "PG-02", later)  # from `gridbot broadcast --at`
    assert (await cancel_for(session, None, first, NOW)).outcome is CancelOutcome.cancelled
    await session.commit()
    assert await jobs.restore(session_factory) == 1
    ids = sorted(j.id for j in scheduler.get_jobs())
    assert ids == [ScheduledSends.job_id(second), "sync-scheduled-broadcasts"]


async def test_gridbot_broadcasts_reports_lists_and_cancels(
    session: AsyncSession, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    await seed_district(session, 8)
    notice = await queue(session, "PG-01", read_button=True)
    await settle(session, notice, BroadcastStatus.done)
    await record_read(session, notice, 7_000_001, fake_chat_id(3), NOW)
    await session.commit()
    waiting = await queue(session, "PG-02", NOW + timedelta(days=300))

    assert await broadcasts_command(_args(database_url, id=notice)) == 0
    report = capsys.readouterr().out
    assert f"📊 群发 #{notice} 阅读统计" in report
    assert "已阅：1 人；1/4 个群有人已阅（25%）" in report
    assert "· 府前社区：送达 2 个群，已阅 0 人，0/2 个群有人已阅（0%）" in report
    assert await broadcasts_command(_args(database_url, scheduled=True)) == 0
    assert capsys.readouterr().out.startswith(f"#{waiting} 2027-09-20 17:00")
    assert await broadcasts_command(_args(database_url, cancel=waiting)) == 0
    assert capsys.readouterr().out == f"broadcast {waiting} cancelled; nothing had been sent\n"
    assert await broadcasts_command(_args(database_url, cancel=waiting)) == 1
    assert await broadcasts_command(_args(database_url, id=999)) == 1


def _args(database_url: str, **given: object) -> argparse.Namespace:
    args = argparse.Namespace(
        settings=Settings(database={"url": database_url}),
        limit=20,
        cancel=None,
        id=None,
        scheduled=False,
    )
    vars(args).update(given)
    return args


async def test_gridbot_broadcast_with_a_read_button_at_a_district_time(
    session: AsyncSession, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    await seed_district(session, 8)
    await session.commit()
    args = argparse.Namespace(
        settings=Settings(database={"url": database_url}),
        to="PG-01",
        text="明早8点停水",
        photo=None,
        pin=False,
        read_button=True,
        at="尽快",
        no_wait=True,
    )
    assert await broadcast_command(args) == 1
    assert "--at '尽快': not a time" in capsys.readouterr().err
    args.at = "明天 8:00"
    assert await broadcast_command(args) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "broadcast 1 queued for 4 groups under 滨河街道 (0 inactive, skipped)"
    assert out[1].startswith("scheduled for ") and out[1].endswith(" 08:00 (Asia/Shanghai)")
    (queued,) = await queued_scheduled(session)
    assert queued.read_button and queued.scheduled_at is not None
    assert queued.scheduled_at > datetime.now(UTC)


async def test_gridbot_broadcasts_id_of_a_poll_prints_its_results(
    session: AsyncSession, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    await seed_district(session, 8)
    town = await node_by_code(session, "PG-02")
    assert town is not None and town.id is not None
    poll = await create_broadcast(
        session,
        node_id=town.id,
        text="您对 <物业> 服务是否满意？",
        kind=BroadcastKind.poll,
        options=["满意", "不满意"],
        now=NOW,
    )
    await session.commit()
    assert poll.id is not None
    await settle(session, poll.id, BroadcastStatus.done)
    await record_vote(session, poll.id, 7_000_001, fake_chat_id(5), 1, NOW)
    await session.commit()
    assert await broadcasts_command(_args(database_url, id=poll.id)) == 0
    out = capsys.readouterr().out
    assert "这条群发没有已阅按钮，没有阅读统计。" in out
    assert f"📋 测评 #{poll.id} 结果：您对 <物业> 服务是否满意？" in out
    assert "新平北路社区（送达 2 个群，1 人作答）：满意 0（0%），不满意 1（100%）" in out
