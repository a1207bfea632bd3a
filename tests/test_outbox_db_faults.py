"""The courier when its own database writes fail: nothing goes twice without a flag (#11)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import FakeClock
from core.db import session_scope
from models.outgoing import OutStatus
from outbox.write import say
from tests.support.channel import ScriptedChannel
from tests.test_outbox_courier import GROUP_A, courier_for, rows


def fail_mark_after_send(
    factory: async_sessionmaker[AsyncSession], channel: ScriptedChannel, error: str
) -> list[int]:
    """The first write to the outbox after the channel's first send raises `error`."""
    engine = factory.kw["bind"]
    raised: list[int] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if channel.calls and not raised and statement.startswith("UPDATE outgoing_message"):
            raised.append(1)
            raise OperationalError(statement, {}, Exception(error))

    event.listen(engine.sync_engine, "before_cursor_execute", before)
    return raised


async def test_a_lost_connection_while_marking_a_send_is_retried_and_sends_once(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    channel, clock = ScriptedChannel(), FakeClock()
    async with session_scope(session_factory) as session:
        say(session, GROUP_A, "📝 已登记 工单 #1")
    raised = fail_mark_after_send(session_factory, channel, "database is locked")
    courier = courier_for(session_factory, channel, clock)
    await courier.deliver_all()
    await courier.deliver_all()
    assert raised and channel.texts(GROUP_A) == ["📝 已登记 工单 #1"]
    (row,) = await rows(session_factory)
    assert row.status is OutStatus.sent and not row.possibly_duplicate


async def test_a_send_whose_mark_fails_for_good_goes_again_only_as_a_flagged_duplicate(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    channel, clock = ScriptedChannel(), FakeClock()
    async with session_scope(session_factory) as session:
        say(session, GROUP_A, "📝 已登记 工单 #1")
        say(session, GROUP_A, "🔔 第二条")
    raised = fail_mark_after_send(session_factory, channel, "disk I/O error")
    courier = courier_for(session_factory, channel, clock)
    await courier.deliver_all()
    await courier.deliver_all()
    assert raised
    assert channel.texts(GROUP_A) == ["📝 已登记 工单 #1", "📝 已登记 工单 #1", "🔔 第二条"]
    first, second = sorted(await rows(session_factory), key=lambda r: r.id or 0)
    assert first.possibly_duplicate and not second.possibly_duplicate
    assert first.status is second.status is OutStatus.sent
