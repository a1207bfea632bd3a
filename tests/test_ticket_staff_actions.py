"""The staff actions as a web console calls them (tickets/staff_actions.py, an Actor and the
bot's Notifier, no Telegram update): each writes the chat's outbox rows and keeps the daily
totals in the action's own transaction. The chat's commands and buttons call the same
functions (handlers/workers.py, handlers/reviews.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from core.vocabulary import TicketStatus
from handlers.notices import Notifier
from models.access import load_actor
from models.outgoing import OutgoingMessage
from models.totals import daily_total
from models.tree_service import node_by_code
from tests.test_ticket_board import TZ
from tests.test_ticket_workflow import (
    CHAT,
    COMMUNITY1,
    GRID2,
    LEAK,
    NOW,
    W1,
    W2,
    World,
    build_world,
)
from tickets import staff_actions as staff

Action = Callable[..., Awaitable[Any]]


@pytest.fixture
async def world(session_factory: async_sessionmaker[AsyncSession]) -> World:
    return await build_world(session_factory)


async def act(
    world: World, action: Action, number: int | None, who: int, *args: Any
) -> list[tuple[int, str | None]]:
    """Run the action in one transaction; the outbox rows it wrote: (chat, purpose)."""
    writer = Notifier(world.db, TZ)
    async with world.session() as s:
        before = await s.scalar(select(func.coalesce(func.max(OutgoingMessage.id), 0)))
        await action(s, number, await load_actor(s, who), *args, writer)
    async with world.session() as s:
        rows = await s.execute(
            select(col(OutgoingMessage.chat_id), col(OutgoingMessage.purpose))
            .where(col(OutgoingMessage.id) > before)
            .order_by(col(OutgoingMessage.id))
        )
        return [(chat, purpose) for chat, purpose in rows.all()]


async def district_count(world: World, column: str) -> int:
    async with world.session() as s:
        district = await node_by_code(s, "PG")
        assert district is not None
        query = select(func.sum(daily_total.c[column])).where(daily_total.c.node_id == district.id)
        return int(await s.scalar(query) or 0)


async def test_claim_tells_the_group(world: World) -> None:
    ticket = await world.open(LEAK)
    assert await act(world, staff.claim_ticket, ticket.id, W1, NOW, world.policy) == [(CHAT, None)]
    assert (await world.ticket(ticket.id)).status is TicketStatus.claimed
    assert await district_count(world, "status_claimed") == 1


async def test_a_note_tells_nobody(world: World) -> None:
    ticket = await world.open(LEAK)
    assert await act(world, staff.note_ticket, ticket.id, W1, "明早上门", NOW) == []


async def test_resolving_tells_the_group_and_asks_the_reporter_to_rate(world: World) -> None:
    ticket = await world.open(LEAK)
    written = await act(
        world, staff.resolve_ticket, ticket.id, W1, "已修好", (), NOW, world.policy
    )
    assert written == [(CHAT, None), (CHAT, None)]
    resolved, new = [await district_count(world, f"status_{s}") for s in ("resolved", "new")]
    assert (resolved, new) == (1, 0)


async def test_a_transfer_tells_the_other_grids_worker(world: World) -> None:
    ticket = await world.open(LEAK)
    transfer, policy = staff.transfer_ticket, world.policy
    written = await act(world, transfer, ticket.id, COMMUNITY1, GRID2, NOW, policy)
    assert [chat for chat, _purpose in written] == [W2]


async def test_an_escalation_tells_the_level_above_and_the_group(world: World) -> None:
    ticket = await world.open(LEAK)
    escalate, policy = staff.escalate_ticket, world.policy
    written = await act(world, escalate, ticket.id, W1, "需要社区协调", NOW, policy)
    assert sorted(chat for chat, _purpose in written) == sorted([COMMUNITY1, CHAT])


async def test_a_false_alarm_closes_the_ticket_and_tells_the_group(world: World) -> None:
    ticket = await world.open(LEAK)
    written = await act(world, staff.close_as_false_alarm, ticket.id, W1, NOW, world.policy)
    assert written == [(CHAT, None)]
    assert (await world.ticket(ticket.id)).status is TicketStatus.closed
    assert await district_count(world, "status_closed") == 1


async def test_a_failed_transaction_leaves_neither_the_change_nor_its_messages(
    world: World,
) -> None:
    ticket = await world.open(LEAK)
    async with world.session() as s:
        before = await s.scalar(select(func.count()).select_from(OutgoingMessage))
    with pytest.raises(RuntimeError):
        async with world.session() as s:
            actor = await load_actor(s, W1)
            writer = Notifier(world.db, TZ)
            await staff.claim_ticket(s, ticket.id or 0, actor, NOW, world.policy, writer)
            raise RuntimeError("the request failed after the action")
    assert (await world.ticket(ticket.id)).status is TicketStatus.new
    async with world.session() as s:
        assert await s.scalar(select(func.count()).select_from(OutgoingMessage)) == before
    assert await district_count(world, "status_claimed") == 0
