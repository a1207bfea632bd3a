"""Binding groups to nodes on a real database (#11, item 5): moving a group that is already
bound needs staff covering both its current and its new node, by code or by token."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.access import Refused
from models.group_service import BindStatus, bind_group, create_bind_token, group_by_chat
from models.groups import Group
from tests.test_ticket_workflow import (
    CHAT,
    COMMUNITY1,
    GRID1,
    GRID2,
    NOW,
    OTHER_COMMUNITY_GRID,
    RESIDENT,
    TOWN1,
    W1,
    W2,
    World,
    build_world,
)

HOUR = timedelta(hours=1)


@pytest.fixture
async def world(session_factory: async_sessionmaker[AsyncSession]) -> World:
    return await build_world(session_factory)  # CHAT is bound to GRID1, W1's grid


async def group(world: World) -> Group:
    async with world.session() as s:
        found = await group_by_chat(s, CHAT)
        assert found is not None
        return found


async def refused_bind(world: World, argument: str, user: int) -> str:
    with pytest.raises(Refused) as refused:
        await world.run(bind_group, CHAT, argument, user, NOW)
    return str(refused.value.reason)


async def token(world: World, code: str, issued_by: int | None) -> str:
    async with world.session() as s:
        return (await create_bind_token(s, code, HOUR, NOW, issued_by)).token


async def test_a_worker_may_not_move_another_grids_group_to_their_own(world: World) -> None:
    assert await refused_bind(world, GRID2, W2) == "rebind_not_allowed"
    assert (await group(world)).node_id == await world.node_id(GRID1)


async def test_staff_covering_both_grids_may_move_the_group(world: World) -> None:
    outcome = await world.run(bind_group, CHAT, GRID2, COMMUNITY1, NOW)
    assert outcome.status is BindStatus.bound
    assert (await group(world)).node_id == await world.node_id(GRID2)


async def test_an_admin_of_the_new_node_only_may_not_pull_the_group_over(world: World) -> None:
    await world.run(bind_group, CHAT, GRID2, COMMUNITY1, NOW)  # now in community 1's grid 2
    assert await refused_bind(world, OTHER_COMMUNITY_GRID, 920000002) == "rebind_not_allowed"


async def test_a_token_from_the_worker_of_the_new_grid_cannot_move_a_bound_group(
    world: World,
) -> None:
    own = await token(world, GRID2, W2)
    assert await refused_bind(world, own, RESIDENT) == "rebind_token"
    assert (await group(world)).node_id == await world.node_id(GRID1)
    async with world.session() as s:  # the refused token is not spent
        unbound = Group(chat_id=-1009, title="新群", chat_type="supergroup")
        s.add(unbound)
    outcome = await world.run(bind_group, -1009, own, RESIDENT, NOW)
    assert outcome.status is BindStatus.bound


async def test_a_token_without_issuer_binds_only_unbound_groups(world: World) -> None:
    operator = await token(world, GRID2, None)
    assert await refused_bind(world, operator, RESIDENT) == "rebind_token"


async def test_a_token_from_staff_covering_both_nodes_moves_the_group(world: World) -> None:
    town = await token(world, GRID2, TOWN1)
    outcome = await world.run(bind_group, CHAT, town, RESIDENT, NOW)
    assert outcome.status is BindStatus.bound
    assert (await group(world)).node_id == await world.node_id(GRID2)


async def test_a_token_may_be_issued_only_by_staff_covering_its_node(world: World) -> None:
    with pytest.raises(Refused):
        await token(world, GRID2, W1)


async def test_rebinding_to_the_same_grid_by_its_worker_is_unchanged(world: World) -> None:
    outcome = await world.run(bind_group, CHAT, GRID1, W1, NOW)
    assert outcome.status is BindStatus.unchanged
