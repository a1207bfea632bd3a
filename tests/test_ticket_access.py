"""Who may act on a ticket and who sees which tickets, on a real database (no Telegram)."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.access import Refused
from models.people import Person, Role, RoleKind
from models.tickets import TicketStatus
from tests.test_ticket_workflow import (
    COMMUNITY1,
    DISTRICT,
    FIGHT,
    GRID1,
    GRID2,
    LEAK,
    NEIGHBOUR,
    NOW,
    OTHER_COMMUNITY_GRID,
    OTHER_TOWN_GRID,
    RESIDENT,
    STRANGER,
    TOWN1,
    TOWN2,
    W1,
    W2,
    W3,
    W5,
    World,
    build_world,
)
from tickets import actions
from tickets.access import Refusal, ticket_for_staff, tickets_visible_to

RESIDENT_ON_FILE = 7000100  # a resident recorded with the resident role on GRID1


@pytest.fixture
async def world(session_factory: async_sessionmaker[AsyncSession]) -> World:
    world = await build_world(session_factory)
    grid = await world.node_id(GRID1)
    async with world.session() as s:
        person = Person(name="居民张", telegram_user_id=RESIDENT_ON_FILE, private_chat=True)
        s.add(person)
        await s.flush()
        assert person.id is not None
        s.add(Role(person_id=person.id, node_id=grid, kind=RoleKind.resident))
    return world


async def refusal(world: World, number: int | None, user: int) -> str:
    with pytest.raises(Refused) as refused:
        await world.run(actions.claim, number, user, NOW, world.policy)
    return refused.value.reason


async def test_a_worker_of_another_grid_may_not_claim(world: World) -> None:
    ticket = await world.open(LEAK)

    assert await refusal(world, ticket.id, W2) is Refusal.forbidden
    assert await refusal(world, ticket.id, W5) is Refusal.forbidden
    assert (await world.ticket(ticket.id)).status is TicketStatus.new


async def test_residents_may_not_claim_even_their_own_ticket(world: World) -> None:
    ticket = await world.open(LEAK)

    assert await refusal(world, ticket.id, RESIDENT) is Refusal.forbidden
    assert await refusal(world, ticket.id, RESIDENT_ON_FILE) is Refusal.forbidden


async def test_an_unknown_ticket_number_is_unknown(world: World) -> None:
    assert await refusal(world, 424242, W1) is Refusal.unknown


async def test_staff_above_the_grid_may_claim_and_staff_of_another_town_may_not(
    world: World,
) -> None:
    ticket = await world.open(LEAK)

    assert await refusal(world, ticket.id, TOWN2) is Refusal.forbidden
    done = await world.run(actions.claim, ticket.id, TOWN1, NOW, world.policy)

    assert done.ticket.status is TicketStatus.claimed
    assert done.ticket.assignee_person_id == await world.pid(TOWN1)


async def test_ticket_for_staff_gives_the_ticket_and_the_acting_person(world: World) -> None:
    ticket = await world.open(LEAK)

    found, person = await world.run(ticket_for_staff, ticket.id, COMMUNITY1)

    assert found.id == ticket.id and person.telegram_user_id == COMMUNITY1


async def test_each_sees_the_tickets_of_their_own_part_of_the_tree(world: World) -> None:
    await world.bind(-1002, OTHER_COMMUNITY_GRID)
    await world.bind(-1003, OTHER_TOWN_GRID)
    mine = await world.open(LEAK)
    neighbours = await world.open(FIGHT, user=NEIGHBOUR)
    other_community = await world.open(LEAK, user=STRANGER, chat=-1002)
    other_town = await world.open(LEAK, user=RESIDENT, chat=-1003)

    async def visible(user: int) -> set[int | None]:
        return {t.id for t in await world.run(tickets_visible_to, user)}

    assert await visible(W1) == {mine.id, neighbours.id}
    assert await visible(W2) == set()
    assert await visible(W3) == {other_community.id}
    assert await visible(COMMUNITY1) == {mine.id, neighbours.id}
    assert await visible(TOWN1) == {mine.id, neighbours.id, other_community.id}
    assert await visible(TOWN2) == {other_town.id}
    assert await visible(DISTRICT) == {mine.id, neighbours.id, other_community.id, other_town.id}
    assert await visible(RESIDENT) == {mine.id, other_town.id}
    assert await visible(NEIGHBOUR) == {neighbours.id}
    assert await visible(RESIDENT_ON_FILE) == set()


async def test_open_tickets_are_listed_first_then_newest_first(world: World) -> None:
    old = await world.open(LEAK)
    await world.run(actions.resolve, old.id, W1, "修好了", (), NOW, world.policy)
    newer = await world.open(FIGHT, user=NEIGHBOUR)
    newest = await world.open(LEAK, user=STRANGER, now=NOW.replace(hour=23))

    listed = await world.run(tickets_visible_to, W1)

    assert [t.id for t in listed] == [newest.id, newer.id, old.id]


async def test_the_worker_a_ticket_was_transferred_to_sees_it(world: World) -> None:
    ticket = await world.open(LEAK)
    await world.run(actions.transfer, ticket.id, COMMUNITY1, GRID2, NOW, world.policy)

    assert [t.id for t in await world.run(tickets_visible_to, W2)] == [ticket.id]
