"""The one way out: what the courier does with committed (and uncommitted) messages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import select

from channels.port import BadRequest, RetryAfter, Transient
from core.clock import FakeClock
from core.db import session_scope
from models.outgoing import OutgoingMessage, OutStatus
from outbox.courier import Courier
from outbox.write import say
from tests.support.channel import ScriptedChannel

GROUP_A, GROUP_B = -1001, -1002


def courier_for(
    factory: async_sessionmaker[AsyncSession], channel: ScriptedChannel, clock: FakeClock
) -> Courier:
    return Courier(factory, channel, now=clock.now)


async def rows(factory: async_sessionmaker[AsyncSession]) -> list[OutgoingMessage]:
    async with factory() as session:
        return list((await session.execute(select(OutgoingMessage))).scalars())


async def test_an_update_that_fails_after_writing_its_reply_sends_nothing(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    channel, clock = ScriptedChannel(), FakeClock()
    with pytest.raises(RuntimeError):
        async with session_scope(session_factory) as session:
            say(session, GROUP_A, "📝 已登记 工单 #1")
            await session.flush()
            raise RuntimeError("the handler failed after opening the ticket")
    await courier_for(session_factory, channel, clock).deliver_all()
    assert channel.calls == []
    assert await rows(session_factory) == []


async def test_messages_committed_before_a_crash_are_sent_once_after_the_restart(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    channel, clock = ScriptedChannel(), FakeClock()
    async with session_scope(session_factory) as session:
        for n in range(3):
            say(session, GROUP_A, f"reply {n}")
    # The process dies here (kill -9 after the commit): nothing was sent. A new one starts:
    restarted = courier_for(session_factory, channel, clock)
    await restarted.recover()
    await restarted.deliver_all()
    await restarted.deliver_all()
    assert channel.texts(GROUP_A) == ["reply 0", "reply 1", "reply 2"]
    assert {r.status for r in await rows(session_factory)} == {OutStatus.sent}


async def test_a_row_claimed_when_the_process_died_goes_again_flagged_as_possible_duplicate(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    channel, clock = ScriptedChannel(), FakeClock()
    async with session_scope(session_factory) as session:
        row = say(session, GROUP_A, "claimed, then killed")
        row.status = OutStatus.sending
    restarted = courier_for(session_factory, channel, clock)
    assert await restarted.recover() == 1
    await restarted.deliver_all()
    [stored] = await rows(session_factory)
    assert (stored.status, stored.possibly_duplicate) == (OutStatus.sent, True)
    assert channel.texts(GROUP_A) == ["claimed, then killed"]


async def test_a_429_in_one_chat_does_not_delay_another(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    channel, clock = ScriptedChannel(), FakeClock()
    channel.fail(GROUP_A, RetryAfter(30))
    async with session_scope(session_factory) as session:
        say(session, GROUP_A, "to A")
        say(session, GROUP_B, "to B")
    courier = courier_for(session_factory, channel, clock)
    await courier.deliver_all()
    assert channel.texts(GROUP_B) == ["to B"]
    assert channel.texts(GROUP_A) == []
    waiting = next(r for r in await rows(session_factory) if r.chat_id == GROUP_A)
    assert waiting.status is OutStatus.pending
    assert waiting.not_before == clock.now() + timedelta(seconds=30)
    clock.advance(timedelta(seconds=30))
    await courier.deliver_all()
    assert channel.texts(GROUP_A) == ["to A"]


async def test_a_5xx_on_a_group_reply_is_retried_with_backoff(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    channel, clock = ScriptedChannel(), FakeClock()
    channel.fail(GROUP_A, Transient("Internal Server Error"), Transient("Bad Gateway"))
    async with session_scope(session_factory) as session:
        say(session, GROUP_A, "您的报修已登记", reply_to=77)
    courier = courier_for(session_factory, channel, clock)
    for _ in range(3):
        await courier.deliver_all()
        clock.advance(timedelta(seconds=5))
    assert channel.texts(GROUP_A) == ["您的报修已登记"]
    [stored] = await rows(session_factory)
    assert (stored.status, stored.attempts) == (OutStatus.sent, 2)


async def test_a_5xx_that_never_ends_fails_the_row_after_the_last_attempt(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    channel, clock = ScriptedChannel(), FakeClock()
    courier = courier_for(session_factory, channel, clock)
    channel.fail(GROUP_A, *[Transient("502") for _ in range(courier.max_attempts)])
    async with session_scope(session_factory) as session:
        say(session, GROUP_A, "never")
    for _ in range(courier.max_attempts + 1):
        await courier.deliver_all()
        clock.advance(timedelta(minutes=2))
    [stored] = await rows(session_factory)
    assert stored.status is OutStatus.failed and stored.error == "502"
    assert channel.texts(GROUP_A) == []


async def test_a_reply_to_a_deleted_message_is_delivered_without_the_link(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    channel, clock = ScriptedChannel(), FakeClock()
    channel.fail(GROUP_A, BadRequest("Bad Request: message to be replied not found"))
    async with session_scope(session_factory) as session:
        say(session, GROUP_A, "已转交网格员", reply_to=4242)
    await courier_for(session_factory, channel, clock).deliver_all()
    assert [m.reply_to for m in channel.calls] == [4242, None]
    assert channel.texts(GROUP_A) == ["已转交网格员"]


async def test_a_chat_hears_its_messages_in_the_order_they_were_written(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    channel, clock = ScriptedChannel(), FakeClock()
    async with session_scope(session_factory) as session:
        for n in range(12):
            say(session, GROUP_A if n % 2 else GROUP_B, f"m{n}")
    await courier_for(session_factory, channel, clock).deliver_all()
    assert channel.texts(GROUP_A) == [f"m{n}" for n in range(1, 12, 2)]
    assert channel.texts(GROUP_B) == [f"m{n}" for n in range(0, 12, 2)]
