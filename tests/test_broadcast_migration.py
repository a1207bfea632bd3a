"""A group that migrates to a supergroup the bot had already recorded separately: the old
record takes the new chat id and the history; nothing that points at the duplicate is lost."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from models.base import utcnow
from models.broadcasts import BroadcastDelivery, BroadcastRead, DeliveryStatus
from models.group_merge import PARKED_CHAT_BASE
from models.group_service import follow_migration, group_by_chat
from models.groups import Group
from tests.support.broadcasts import FakeSender
from tests.test_broadcast_engine import deliveries, engine_for, group, new_broadcast, seed

Factory = async_sessionmaker[AsyncSession]
SUPERGROUP = -1005550000001


async def record_supergroup(factory: Factory, like_group: int) -> int:
    """The new chat, recorded (and bound) on its own before the migration was noticed."""
    bound_to = (await group(factory, like_group)).node_id
    async with factory() as session:
        duplicate = Group(chat_id=SUPERGROUP, title="网格群（超级群）", node_id=bound_to)
        session.add(duplicate)
        await session.commit()
    assert duplicate.id is not None
    return duplicate.id


async def rows_of(factory: Factory, group_id: int) -> list[tuple[int, DeliveryStatus]]:
    async with factory() as session:
        result = await session.execute(
            select(col(BroadcastDelivery.broadcast_id), col(BroadcastDelivery.status))
            .where(col(BroadcastDelivery.group_id) == group_id)
            .order_by(col(BroadcastDelivery.broadcast_id))
        )
    return [(int(b), DeliveryStatus(s)) for b, s in result.all()]


async def test_the_duplicates_rows_move_and_twins_keep_it_parked(session_factory: Factory) -> None:
    groups = await seed(session_factory, grids=3)
    old_id, old_chat, _ = groups[0]
    duplicate_id = await record_supergroup(session_factory, old_id)
    only_new = await new_broadcast(session_factory, text="只有新记录收到的通知")
    async with session_factory() as session:  # drop the other groups' rows; add a read
        await session.execute(
            BroadcastDelivery.__table__.delete().where(  # type: ignore[attr-defined]
                col(BroadcastDelivery.group_id) != duplicate_id
            )
        )
        session.add(BroadcastRead(broadcast_id=only_new, user_id=42, group_id=duplicate_id))
        await session.commit()
    twin = await new_broadcast(session_factory, text="两条记录都有的通知")
    async with session_factory() as session:
        moved = await follow_migration(session, old_chat, SUPERGROUP, "网格群")
        await session.commit()
    assert moved is not None and moved.id == old_id
    assert (moved.chat_id, moved.migrated_from_chat_id) == (SUPERGROUP, old_chat)
    assert await rows_of(session_factory, old_id) == [
        (only_new, DeliveryStatus.pending),
        (twin, DeliveryStatus.pending),
    ]
    assert await rows_of(session_factory, duplicate_id) == [(twin, DeliveryStatus.pending)]
    parked = await group(session_factory, duplicate_id)
    assert parked.chat_id == PARKED_CHAT_BASE - duplicate_id
    assert (parked.active, parked.node_id) == (False, None) and parked.left_at is not None
    async with session_factory() as session:
        read = await session.scalar(select(BroadcastRead))
        assert read is not None and read.group_id == old_id
        assert (await group_by_chat(session, SUPERGROUP)) is not None
        again = await follow_migration(session, old_chat, SUPERGROUP, "网格群")  # idempotent
        assert again is not None and again.id == old_id


async def test_a_duplicate_with_nothing_left_is_deleted(session_factory: Factory) -> None:
    groups = await seed(session_factory, grids=6)
    old_id, old_chat, _ = groups[0]
    duplicate_id = await record_supergroup(session_factory, old_id)
    await new_broadcast(session_factory, code="PG-02", text="只发到另一个镇")
    async with session_factory() as session:
        await follow_migration(session, old_chat, SUPERGROUP, "网格群")
        await session.commit()
        assert await session.get(Group, duplicate_id) is None
        count = await session.scalar(select(func.count()).select_from(Group))
    assert count == 6


async def test_the_engine_follows_a_migration_onto_a_recorded_supergroup(
    session_factory: Factory,
) -> None:
    groups = await seed(session_factory, grids=3)
    old_id, old_chat, _ = groups[0]
    duplicate_id = await record_supergroup(session_factory, old_id)
    broadcast_id = await new_broadcast(session_factory, text="迁移后也要收到的通知")
    sender = FakeSender()
    sender.migrate(old_chat, SUPERGROUP)
    [report] = await engine_for(session_factory, sender, senders=1).run_until_idle()
    assert report.counts.delivered == 4 and report.counts.failed == 0
    assert (await group(session_factory, old_id)).chat_id == SUPERGROUP
    parked = await group(session_factory, duplicate_id)
    assert not parked.active and parked.chat_id < 0
    rows = {r.group_id: r for r in await deliveries(session_factory, broadcast_id)}
    assert rows[old_id].chat_id == SUPERGROUP and rows[duplicate_id].chat_id == SUPERGROUP
    assert utcnow() >= (parked.left_at or utcnow())
