"""The 群发 desk's list, detail and cancel, on SQLite and PostgreSQL: live progress and the
per-child report agree with the outbox rows, scopes, cancelling, 已阅 and poll roll-ups.

The demo district of 8 micro-grids (tests/support/broadcasts.py): chats fake_chat_id(1..4)
are in 滨河街道 PG-01, 5..8 in 兴谷街道 PG-02. Outbox rows are settled as the engine would.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from broadcasts.counting import CANCELLED_REASON
from broadcasts.desk import Composed, create_from_desk
from broadcasts.desk_report import totals
from broadcasts.desk_views import desk_cancel, desk_detail, desk_list
from broadcasts.management import CancelOutcome
from broadcasts.polls import record_vote
from broadcasts.reads import record_read
from models.access import Refused, load_actor
from models.broadcasts import Broadcast, BroadcastDelivery, BroadcastStatus, DeliveryStatus
from models.groups import Group
from models.tree_service import node_by_code
from tests.support.broadcasts import fake_chat_id, seed_district

Factory = async_sessionmaker[AsyncSession]
OFFICIAL, TOWN1_ADMIN, TOWN2_ADMIN, COMMUNITY3_ADMIN = 900000001, 910000001, 910000002, 920000003
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
RESIDENT = 7_000_001


async def sent(session: AsyncSession, user_id: int, code: str, **more: object) -> int:
    """A broadcast composed at the desk by `user_id` to node `code`, committed."""
    node = await node_by_code(session, code)
    assert node is not None and node.id is not None
    composed = Composed(node_id=node.id, text=more.pop("text", "通知"), **more)  # type: ignore[arg-type]
    actor = await load_actor(session, user_id)
    created = await create_from_desk(
        session, actor, composed, now=NOW, zone=ZoneInfo("Asia/Shanghai"), photo_dir=Path("/")
    )
    await session.commit()
    assert created.id is not None
    return created.id


async def settle(
    session: AsyncSession,
    broadcast_id: int,
    chats: list[int],
    status: DeliveryStatus,
    error: str = "",
) -> None:
    await session.execute(
        update(BroadcastDelivery)
        .where(
            col(BroadcastDelivery.broadcast_id) == broadcast_id,
            col(BroadcastDelivery.chat_id).in_([fake_chat_id(n) for n in chats]),
        )
        .values(status=status, error=error or None)
    )
    await session.commit()


async def rows_by_town(session: AsyncSession, broadcast_id: int) -> dict[str, Counter[str]]:
    """The outbox rows' statuses per town, read straight from the rows."""
    result = await session.execute(
        select(col(Group.title), col(BroadcastDelivery.status))
        .join(Group, col(Group.id) == col(BroadcastDelivery.group_id))
        .where(col(BroadcastDelivery.broadcast_id) == broadcast_id)
    )
    found: dict[str, Counter[str]] = {}
    for title, status in result.all():
        found.setdefault(str(title)[:5], Counter())[DeliveryStatus(status).value] += 1
    return found


async def test_progress_and_the_report_per_town_agree_with_the_rows(session: AsyncSession) -> None:
    await seed_district(session, 8)
    await session.execute(
        update(Group).where(col(Group.chat_id) == fake_chat_id(6)).values(active=False)
    )
    everywhere = await sent(session, OFFICIAL, "PG", text="全区消防检查")
    await settle(session, everywhere, [1, 2, 3], DeliveryStatus.delivered)
    await settle(session, everywhere, [4], DeliveryStatus.failed, "Forbidden: bot was kicked")
    await session.execute(
        update(Group).where(col(Group.chat_id) == fake_chat_id(4)).values(active=False)
    )
    await settle(session, everywhere, [5], DeliveryStatus.failed, "Bad Request: chat not found")

    page = await desk_list(session, await load_actor(session, OFFICIAL))
    (row,) = page.rows
    by_town = await rows_by_town(session, everywhere)
    on_file = sum(by_town.values(), Counter())
    progress = row.progress
    assert (progress.total, progress.delivered, progress.failed, progress.skipped) == (
        on_file.total(),
        on_file["delivered"],
        on_file["failed"],
        on_file["skipped"],
    )
    assert progress.remaining == on_file["pending"] == 2 and progress.percent == 75

    detail = await desk_detail(session, await load_actor(session, OFFICIAL), everywhere)
    assert detail is not None and detail.path == "平谷区"
    assert [b.code for b in detail.branches] == ["PG-01", "PG-02"]
    for branch in detail.branches:
        rows = by_town[branch.code]
        assert (
            branch.groups,
            branch.delivered,
            branch.failed,
            branch.pending,
            branch.skipped,
        ) == (
            rows.total(),
            rows["delivered"],
            rows["failed"],
            rows["pending"],
            rows["skipped"],
        )
    town1, town2 = detail.branches
    assert (town1.blocked, town2.blocked) == (1, 0)  # chat 4 refused the bot; chat 5 not found
    assert [f.reason for f in town2.failures] == ["Bad Request: chat not found"]
    summed = totals(detail.branches)
    assert (summed["groups"], summed["delivered"]) == (progress.total, progress.delivered)


async def test_each_official_lists_the_broadcasts_of_their_subtree_newest_first(
    session: AsyncSession,
) -> None:
    await seed_district(session, 8)
    district = await sent(session, OFFICIAL, "PG")
    community = await sent(session, TOWN2_ADMIN, "PG-02-001")
    town1 = await sent(session, TOWN1_ADMIN, "PG-01")
    official = await load_actor(session, OFFICIAL)
    assert [r.id for r in (await desk_list(session, official)).rows] == [
        town1,
        community,
        district,
    ]
    second = await desk_list(session, official, page=1, per_page=2)
    assert ([r.id for r in second.rows], second.pages, second.total) == ([district], 2, 3)
    town2 = await load_actor(session, TOWN2_ADMIN)
    assert [r.id for r in (await desk_list(session, town2)).rows] == [community]
    with pytest.raises(Refused):
        await desk_detail(session, town2, town1)
    assert await desk_detail(session, town2, 999) is None


async def test_cancel_stops_the_pending_copies_as_the_chats_cancel_does(
    session: AsyncSession,
) -> None:
    await seed_district(session, 8)
    town1 = await sent(session, TOWN1_ADMIN, "PG-01")
    await settle(session, town1, [1], DeliveryStatus.delivered)
    await session.execute(
        update(Broadcast).where(col(Broadcast.id) == town1).values(status=BroadcastStatus.sending)
    )
    with pytest.raises(Refused):
        await desk_cancel(session, await load_actor(session, COMMUNITY3_ADMIN), town1, NOW)
    done = await desk_cancel(session, await load_actor(session, TOWN1_ADMIN), town1, NOW)
    await session.commit()
    assert (done.outcome, done.counts.delivered, done.counts.skipped) == (
        CancelOutcome.stopped,
        1,
        3,
    )
    reasons = await session.scalars(
        select(col(BroadcastDelivery.error)).where(
            col(BroadcastDelivery.broadcast_id) == town1,
            col(BroadcastDelivery.status) == DeliveryStatus.skipped,
        )
    )
    assert list(reasons) == [CANCELLED_REASON] * 3
    detail = await desk_detail(session, await load_actor(session, TOWN1_ADMIN), town1)
    assert detail is not None
    assert [(b.code, b.delivered, b.cancelled, b.pending) for b in detail.branches] == [
        ("PG-01-001", 1, 1, 0),
        ("PG-01-002", 0, 2, 0),
    ]
    assert (detail.row.progress.state, detail.row.progress.percent) == (
        BroadcastStatus.cancelled,
        100,
    )


async def test_reads_and_poll_answers_roll_up_per_town(session: AsyncSession) -> None:
    await seed_district(session, 8)
    read = await sent(session, OFFICIAL, "PG", read=True)
    poll = await sent(session, OFFICIAL, "PG", text="对本月服务满意吗", options=["满意", "不满意"])
    for broadcast in (read, poll):
        await settle(session, broadcast, list(range(1, 8)), DeliveryStatus.delivered)
    for n, (chat, option) in enumerate([(1, 0), (1, 0), (2, 1), (5, 1)]):
        await record_read(session, read, RESIDENT + n, fake_chat_id(chat), NOW)
        await record_vote(session, poll, RESIDENT + n, fake_chat_id(chat), option, NOW)
    await session.commit()
    official = await load_actor(session, OFFICIAL)
    reads = await desk_detail(session, official, read)
    assert reads is not None and reads.reads is not None and reads.poll is None
    assert sorted(
        (b.node.code, b.reached, b.reads, b.groups_read) for b in reads.reads.branches
    ) == [
        ("PG-01", 4, 3, 2),
        ("PG-02", 3, 1, 1),
    ]
    answers = await desk_detail(session, official, poll)
    assert answers is not None and answers.poll is not None and answers.reads is None
    assert answers.poll.options == ["满意", "不满意"]
    assert [(b.node.code, b.counts) for b in answers.poll.branches] == [
        ("PG-01", [2, 1]),
        ("PG-02", [0, 1]),
    ]
