"""Console logins as the domain sees them: one-time links and idle sessions, on both backends."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import FakeClock
from core.db import session_scope
from models.access import Refused, load_person_actor
from models.login_service import (
    LinkProblem,
    current_session,
    end_session,
    issue_link,
    open_session,
    redeem_link,
)
from tests.support.console import RESIDENT_KEY, link_for, person_id, small_district

Factory = async_sessionmaker[AsyncSession]


@pytest.fixture
async def factory(session_factory: Factory) -> Factory:
    await small_district(session_factory)
    return session_factory


async def redeem(factory: Factory, token: str, clock: FakeClock) -> int:
    async with session_scope(factory) as session:
        return await redeem_link(session, token, clock.now())


async def refusal(factory: Factory, token: str, clock: FakeClock) -> str:
    with pytest.raises(Refused) as refused:
        await redeem(factory, token, clock)
    return refused.value.reason


async def test_a_link_opens_once_for_the_person_it_was_issued_to(factory: Factory) -> None:
    clock = FakeClock()
    token = await link_for(factory, clock, "C0001")
    assert await redeem(factory, token, clock) == await person_id(factory, "C0001")
    assert await refusal(factory, token, clock) == LinkProblem.used


async def test_a_link_expires_after_its_minutes(factory: Factory) -> None:
    clock = FakeClock()
    token = await link_for(factory, clock, "W0001", minutes=10)
    clock.advance(timedelta(minutes=10))
    assert await refusal(factory, token, clock) == LinkProblem.expired


async def test_an_unknown_link_is_unknown(factory: Factory) -> None:
    assert await refusal(factory, "no-such-token", FakeClock()) == LinkProblem.unknown


async def test_a_resident_gets_no_link(factory: Factory) -> None:
    async with session_scope(factory) as session:
        actor = await load_person_actor(session, await person_id(factory, RESIDENT_KEY))
        with pytest.raises(Refused) as refused:
            issue_link(session, actor, FakeClock().now(), 10)
    assert refused.value.reason == "not_staff"


async def test_a_session_lives_while_used_and_ends_after_eight_idle_hours(
    factory: Factory,
) -> None:
    clock = FakeClock()
    pid = await person_id(factory, "T0001")
    async with session_scope(factory) as session:
        cookie = open_session(session, pid, clock.now()).cookie_token
    for _ in range(3):  # used every 7 hours: still alive a day later
        clock.advance(timedelta(hours=7))
        async with session_scope(factory) as session:
            assert await current_session(session, cookie, clock.now(), 8) is not None
    clock.advance(timedelta(hours=8))
    async with session_scope(factory) as session:
        assert await current_session(session, cookie, clock.now(), 8) is None
    clock.advance(timedelta(minutes=1))  # ended for good, not revived
    async with session_scope(factory) as session:
        assert await current_session(session, cookie, clock.now(), 8) is None


async def test_a_session_ended_by_logout_opens_nothing(factory: Factory) -> None:
    clock = FakeClock()
    pid = await person_id(factory, "T0001")
    async with session_scope(factory) as session:
        cookie = open_session(session, pid, clock.now()).cookie_token
    async with session_scope(factory) as session:
        row = await current_session(session, cookie, clock.now(), 8)
        assert row is not None
        end_session(row, clock.now())
    async with session_scope(factory) as session:
        assert await current_session(session, cookie, clock.now(), 8) is None
