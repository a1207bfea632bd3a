"""The running bot drains the broadcast outbox: one message per bound group of the subtree."""

from __future__ import annotations

from bot.db import session_scope
from broadcasts.service import create_broadcast
from models.tree_service import node_by_code
from tests.e2e.conftest import World
from tests.e2e.test_group_binding import TOWN_ADMIN1, say


async def test_a_town_broadcast_reaches_its_groups_and_no_other(world: World) -> None:
    admin = await world.staff(TOWN_ADMIN1, "镇街李主任")
    official = await world.staff(900000001, "区里王科长")
    inside = await world.group_with_bot("第1网格群", admin)
    outside = await world.group_with_bot("兴谷街道某网格群", official)
    await say(world, inside["id"], admin["id"], "/bind PG-01-001-01")
    await say(world, outside["id"], official["id"], "/bind PG-02-001-01")
    assert world.runtime is not None
    async with session_scope(world.db) as session:
        town = await node_by_code(session, "PG-01")
        assert town is not None and town.id is not None
        created = await create_broadcast(
            session,
            node_id=town.id,
            text="明天上午9点至12点停水，请提前储水。",
            now=world.clock.now(),
        )
    world.runtime.broadcasts.notify()
    got = await world.client.wait_for(inside["id"], contains="明天上午9点至12点停水")
    assert got["text"] == "明天上午9点至12点停水，请提前储水。"
    assert created.total == 1
    texts = [m["text"] for m in await world.client.bot_messages(outside["id"])]
    assert not any("停水" in (t or "") for t in texts)
