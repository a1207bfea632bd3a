"""已阅 marks, poll answers and their roll-ups down the tree, on SQLite and PostgreSQL.

The demo district of 8 micro-grids: 滨河街道 (PG-01: 府前社区, 承平里社区) and 兴谷街道 (PG-02:
新平北路社区, 建西社区), two grids each; one bound group per grid, chat ids fake_chat_id(1..8)
in code order. Broadcasts are created, then their outbox rows are settled as the engine would.
"""

from __future__ import annotations

import json

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, func, select

from broadcasts.polls import VoteStatus, poll_results, record_vote
from broadcasts.reads import ReadOutcome, read_rollup, record_read
from broadcasts.service import create_broadcast
from models.base import utcnow
from models.broadcasts import (
    Broadcast,
    BroadcastDelivery,
    BroadcastKind,
    BroadcastRead,
    DeliveryStatus,
    PollAnswer,
)
from models.groups import Group
from models.tree_service import node_by_code
from tests.support.broadcasts import fake_chat_id, seed_district

RESIDENTS = range(7_000_001, 7_000_100)  # Telegram user ids of residents (not in the tree)


async def sent(
    session: AsyncSession,
    code: str,
    *,
    read_button: bool = False,
    options: list[str] | None = None,
    failed: tuple[int, ...] = (),
) -> Broadcast:
    """A broadcast to node `code`, delivered to every group but the chats numbered `failed`."""
    node = await node_by_code(session, code)
    assert node is not None and node.id is not None
    broadcast = await create_broadcast(session, node_id=node.id, text="本周六上午社区义诊")
    broadcast.read_button = read_button
    if options is not None:
        broadcast.kind, broadcast.options = BroadcastKind.poll, json.dumps(options)
    await session.flush()
    failed_chats = [fake_chat_id(n) for n in failed]
    rows = col(BroadcastDelivery.broadcast_id) == broadcast.id
    await session.execute(
        update(BroadcastDelivery).where(rows).values(status=DeliveryStatus.delivered)
    )
    await session.execute(
        update(BroadcastDelivery)
        .where(rows, col(BroadcastDelivery.chat_id).in_(failed_chats))
        .values(status=DeliveryStatus.failed, error="Forbidden: bot was kicked")
    )
    await session.commit()
    return broadcast


async def count(session: AsyncSession, table: type[BroadcastRead] | type[PollAnswer]) -> int:
    return int((await session.execute(select(func.count()).select_from(table))).scalar_one())


async def test_a_read_is_recorded_once_per_person(session: AsyncSession) -> None:
    await seed_district(session, 8)
    notice = await sent(session, "PG", read_button=True)
    plain = await sent(session, "PG")
    assert notice.id is not None and plain.id is not None
    now, first, second = utcnow(), RESIDENTS[0], RESIDENTS[1]
    assert (
        await record_read(session, notice.id, first, fake_chat_id(1), now) is ReadOutcome.recorded
    )
    again = await record_read(session, notice.id, first, fake_chat_id(1), now)
    elsewhere = await record_read(session, notice.id, first, fake_chat_id(5), now)
    assert again is ReadOutcome.already and elsewhere is ReadOutcome.already
    assert (
        await record_read(session, notice.id, second, fake_chat_id(1), now) is ReadOutcome.recorded
    )
    assert await record_read(session, plain.id, first, fake_chat_id(1), now) is ReadOutcome.unknown
    assert await record_read(session, 999_999, first, fake_chat_id(1), now) is ReadOutcome.unknown
    await session.commit()
    assert await count(session, BroadcastRead) == 2


async def test_reads_roll_up_by_town_worst_read_rate_first(session: AsyncSession) -> None:
    await seed_district(session, 8)
    notice = await sent(session, "PG", read_button=True, failed=(8,))
    assert notice.id is not None
    # 滨河街道: three people in two of its four groups; 兴谷街道: one person in one of the three
    # groups it reached (its fourth group was not reached).
    presses = [(1, 0), (1, 1), (3, 2), (3, 2), (6, 3)]
    for chat, person in presses:
        await record_read(session, notice.id, RESIDENTS[person], fake_chat_id(chat), utcnow())
    await session.commit()
    rollup = await read_rollup(session, notice.id)
    assert rollup.path == "平谷区"
    assert [
        (b.node.code, b.groups, b.reached, b.reads, b.groups_read) for b in rollup.branches
    ] == [
        ("PG-02", 4, 3, 1, 1),
        ("PG-01", 4, 4, 3, 2),
    ]
    total = rollup.total
    assert (total.groups, total.reached, total.reads, total.groups_read) == (8, 7, 4, 3)
    assert rollup.branches[0].read_rate == 1 / 3 and total.read_rate == 3 / 7


async def test_a_town_broadcast_rolls_up_by_community_with_the_towns_own_group(
    session: AsyncSession,
) -> None:
    await seed_district(session, 8)
    town = await node_by_code(session, "PG-01")
    assert town is not None
    session.add(Group(chat_id=-4_200_000_001, title="滨河街道工作群", node_id=town.id))
    await session.commit()
    notice = await sent(session, "PG-01", read_button=True)
    assert notice.id is not None
    for chat, person in [(-4_200_000_001, 0), (fake_chat_id(2), 1), (fake_chat_id(5), 2)]:
        await record_read(session, notice.id, RESIDENTS[person], chat, utcnow())
    await session.commit()
    rollup = await read_rollup(session, notice.id)
    assert [(b.node.code, b.reached, b.reads, b.groups_read) for b in rollup.branches] == [
        ("PG-01-002", 2, 0, 0),
        ("PG-01-001", 2, 1, 1),
        ("PG-01", 1, 1, 1),  # the town's own group
    ]
    # The press in 兴谷街道's group (not a target) is kept, but not counted for 滨河街道.
    assert (rollup.total.reached, rollup.total.reads) == (5, 2)
    assert await count(session, BroadcastRead) == 3


async def test_a_poll_answer_counts_once_and_the_first_answer_stands(
    session: AsyncSession,
) -> None:
    await seed_district(session, 8)
    poll = await sent(session, "PG-01", options=["满意", "基本满意", "不满意"])
    notice = await sent(session, "PG-01", read_button=True)
    assert poll.id is not None and notice.id is not None
    voter, now = RESIDENTS[0], utcnow()
    first = await record_vote(session, poll.id, voter, fake_chat_id(1), 0, now)
    assert (first.status, first.label) == (VoteStatus.recorded, "满意")
    second = await record_vote(session, poll.id, voter, fake_chat_id(1), 2, now)
    assert (second.status, second.label) == (VoteStatus.already, "满意")
    for option in (3, -1):
        assert (
            await record_vote(session, poll.id, RESIDENTS[1], fake_chat_id(1), option, now)
        ).status is VoteStatus.unknown
    not_a_poll = await record_vote(session, notice.id, RESIDENTS[1], fake_chat_id(1), 0, now)
    assert not_a_poll.status is VoteStatus.unknown
    await session.commit()
    answers = list((await session.execute(select(PollAnswer))).scalars())
    assert [(a.user_id, a.option) for a in answers] == [(voter, 0)]


async def test_poll_results_roll_up_per_option_and_community(session: AsyncSession) -> None:
    await seed_district(session, 8)
    poll = await sent(session, "PG-01", options=["满意", "基本满意", "不满意"], failed=(4,))
    assert poll.id is not None
    votes = [(1, 0), (1, 0), (2, 1), (3, 0), (3, 2), (3, 2), (5, 0)]  # (chat, option)
    for person, (chat, option) in enumerate(votes):
        await record_vote(
            session, poll.id, RESIDENTS[person], fake_chat_id(chat), option, utcnow()
        )
    await session.commit()
    results = await poll_results(session, poll.id)
    assert results.options == ["满意", "基本满意", "不满意"]
    assert (results.total.reached, results.total.counts) == (3, [3, 1, 2])
    assert results.total.shares() == [3 / 6, 1 / 6, 2 / 6]
    assert [(b.node.code, b.reached, b.counts) for b in results.branches] == [
        ("PG-01-001", 2, [2, 1, 0]),
        ("PG-01-002", 1, [1, 0, 2]),
    ]
    assert results.branches[1].shares() == [1 / 3, 0.0, 2 / 3]


async def test_results_of_a_poll_nobody_answered_yet(session: AsyncSession) -> None:
    await seed_district(session, 8)
    poll = await sent(session, "PG-02-001-01", options=["是", "否"])
    assert poll.id is not None
    results = await poll_results(session, poll.id)
    assert [(b.node.code, b.reached, b.counts) for b in results.branches] == [
        ("PG-02-001-01", 1, [0, 0])
    ]
    assert results.total.shares() == [0.0, 0.0]
