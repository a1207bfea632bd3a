"""Groups through the emulator: joining, binding, /whereami, kicks and migrations."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlmodel import select

from models.audit import AuditEntry
from models.group_service import create_bind_token, group_by_chat
from tests.e2e.conftest import World

GRID1, GRID2 = "PG-01-001-01", "PG-01-001-02"
WORKER1 = 930000001  # grid worker of PG-01-001-01 in the demo district
WORKER2 = 930000002  # grid worker of PG-01-001-02
TOWN_ADMIN1 = 910000001


async def last_bot_id(world: World, chat_id: int) -> int:
    return max((m["message_id"] for m in await world.client.bot_messages(chat_id)), default=0)


async def say(world: World, chat_id: int, user_id: int, text: str) -> dict:
    """Send `text` and return the bot's answer to it (its reply to this very message: other
    messages, such as a notice the courier delivers meanwhile, may arrive in between)."""
    after = await last_bot_id(world, chat_id)
    sent = (await world.client.send_message(chat_id, user_id, text))["message"]["message_id"]
    return await world.client.wait_for(
        chat_id,
        predicate=lambda m: m.get("reply_to_message_id") == sent,
        after_message_id=after,
    )


async def test_bot_added_to_a_group_records_it_unbound_and_explains_binding(world: World) -> None:
    worker = await world.staff(WORKER1, "张伟")
    chat = await world.group_with_bot("第1网格群", worker)
    greeting = (await world.client.bot_messages(chat["id"]))[-1]
    assert "/bind 网格编码" in greeting["text"]
    # The greeting goes out inside the update's transaction, so the row may land just after.
    await wait_until(world, chat["id"], lambda g: g is not None)
    async with world.db() as session:
        group = await group_by_chat(session, chat["id"])
    assert group is not None and group.node_id is None and group.active


async def test_grid_worker_binds_own_grid_and_residents_see_it(world: World) -> None:
    worker = await world.staff(WORKER1, "张伟")
    resident = await world.client.create_user("王秀英")
    chat = await world.group_with_bot("第1网格群", worker)
    done = await say(world, chat["id"], worker["id"], f"/bind {GRID1}")
    assert done["text"].startswith("✅ 本群已绑定到：平谷区 › ")
    assert GRID1 in done["text"]
    card = await say(world, chat["id"], resident["id"], "/whereami")
    assert card["text"].startswith("📍 本群位置：平谷区 › ")
    assert f"网格编码：{GRID1}" in card["text"]
    assert "网格员：" in card["text"]


async def test_a_code_typed_in_lower_case_binds_the_same_grid(world: World) -> None:
    """#11 item 17: codes were case-sensitive, so `/bind pg-01-001-01` found no grid."""
    worker = await world.staff(WORKER1, "张伟")
    chat = await world.group_with_bot("第1网格群", worker)
    done = await say(world, chat["id"], worker["id"], f"/bind {GRID1.lower()}")
    assert done["text"].startswith("✅ 本群已绑定到：") and GRID1 in done["text"]


async def test_town_admin_may_bind_any_grid_of_the_town(world: World) -> None:
    admin = await world.staff(TOWN_ADMIN1, "李主任")
    chat = await world.group_with_bot("第2网格群", admin)
    done = await say(world, chat["id"], admin["id"], f"/bind {GRID2}")
    assert done["text"].startswith("✅")


async def test_resident_cannot_bind_and_the_attempt_is_logged(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    worker = await world.staff(WORKER1, "张伟")
    stranger = await world.client.create_user("路人甲")
    chat = await world.group_with_bot("第1网格群", worker)
    with caplog.at_level(logging.WARNING, logger="gridbot.audit"):
        refusal = await say(world, chat["id"], stranger["id"], f"/bind {GRID1}")
    assert refusal["text"].startswith("抱歉，您没有绑定")
    assert any("refused /bind" in r.getMessage() for r in caplog.records)
    async with world.db() as session:
        group = await group_by_chat(session, chat["id"])
    assert group is not None and group.node_id is None


async def test_worker_cannot_bind_a_grid_outside_their_own(world: World) -> None:
    worker = await world.staff(WORKER1, "张伟")
    chat = await world.group_with_bot("第2网格群", worker)
    refusal = await say(world, chat["id"], worker["id"], f"/bind {GRID2}")
    assert refusal["text"].startswith("抱歉")


async def test_unknown_code_and_missing_argument_get_clear_answers(world: World) -> None:
    worker = await world.staff(WORKER1, "张伟")
    chat = await world.group_with_bot("第1网格群", worker)
    unknown = await say(world, chat["id"], worker["id"], "/bind PG-99-999-99")
    assert "没有找到编码为「PG-99-999-99」的网格" in unknown["text"]
    usage = await say(world, chat["id"], worker["id"], "/bind")
    assert usage["text"].startswith("用法：/bind")


async def test_bind_token_works_once_for_anyone_and_then_expires(world: World) -> None:
    worker = await world.staff(WORKER1, "张伟")
    resident = await world.client.create_user("王秀英")
    chat1 = await world.group_with_bot("第2网格群", worker)
    chat2 = await world.group_with_bot("另一个群", worker)
    async with world.db() as session:
        token = await create_bind_token(session, GRID2, timedelta(hours=1), world.clock.now())
        expiring = await create_bind_token(session, GRID2, timedelta(hours=1), world.clock.now())
        await session.commit()
    done = await say(world, chat1["id"], resident["id"], f"/bind {token.token}")
    assert done["text"].startswith("✅")
    again = await say(world, chat2["id"], resident["id"], f"/bind {token.token}")
    assert "已经使用过" in again["text"]
    world.clock.advance(timedelta(hours=2))
    late = await say(world, chat2["id"], resident["id"], f"/bind {expiring.token}")
    assert "已过期" in late["text"]
    async with world.db() as session:
        group2 = await group_by_chat(session, chat2["id"])
    assert group2 is not None and group2.node_id is None


async def test_a_worker_cannot_move_another_grids_group_and_the_refusal_is_audited(
    world: World,
) -> None:
    """#11 item 5: /bind checked only the new node, so worker 2 could pull grid 1's group."""
    worker1 = await world.staff(WORKER1, "张伟")
    worker2 = await world.staff(WORKER2, "李娜")
    chat = await world.group_with_bot("第1网格群", worker1)
    await say(world, chat["id"], worker1["id"], f"/bind {GRID1}")
    refusal = await say(world, chat["id"], worker2["id"], f"/bind {GRID2}")
    assert refusal["text"].startswith(f"抱歉，本群已绑定在「{GRID1}」，不能改绑到「{GRID2}」")
    async with world.db() as session:
        group = await group_by_chat(session, chat["id"])
        audited = (await session.execute(select(AuditEntry.outcome))).scalars().all()
    assert "refused:rebind_not_allowed" in audited
    assert group is not None and group.node_id is not None
    card = await say(world, chat["id"], worker2["id"], "/whereami")
    assert f"网格编码：{GRID1}" in card["text"]


async def test_a_token_cannot_move_a_group_bound_elsewhere(world: World) -> None:
    worker1 = await world.staff(WORKER1, "张伟")
    worker2 = await world.staff(WORKER2, "李娜")
    chat = await world.group_with_bot("第1网格群", worker1)
    await say(world, chat["id"], worker1["id"], f"/bind {GRID1}")
    async with world.db() as session:
        token = await create_bind_token(
            session, GRID2, timedelta(hours=1), world.clock.now(), WORKER2
        )
        await session.commit()
    refusal = await say(world, chat["id"], worker2["id"], f"/bind {token.token}")
    assert "这个绑定码不能把它改绑到" in refusal["text"]
    card = await say(world, chat["id"], worker2["id"], "/whereami")
    assert f"网格编码：{GRID1}" in card["text"]


async def test_whereami_in_an_unbound_group_says_how_to_bind(world: World) -> None:
    worker = await world.staff(WORKER1, "张伟")
    chat = await world.group_with_bot("新群", worker)
    answer = await say(world, chat["id"], worker["id"], "/whereami")
    assert answer["text"].startswith("本群还没有绑定网格")


async def test_kicked_bot_leaves_the_group_inactive_but_kept(world: World) -> None:
    worker = await world.staff(WORKER1, "张伟")
    chat = await world.group_with_bot("第1网格群", worker)
    await say(world, chat["id"], worker["id"], f"/bind {GRID1}")
    await world.client.kick_bot(chat["id"], worker["id"])
    await wait_until(world, chat["id"], lambda g: g is not None and not g.active)
    async with world.db() as session:
        group = await group_by_chat(session, chat["id"])
    assert group is not None and group.node_id is not None and group.left_at is not None


async def test_group_upgraded_to_supergroup_keeps_its_record_and_binding(world: World) -> None:
    worker = await world.staff(WORKER1, "张伟")
    chat = await world.group_with_bot("第1网格群", worker)
    await say(world, chat["id"], worker["id"], f"/bind {GRID1}")
    moved = await world.client.migrate(chat["id"])
    new_id = moved["new_chat_id"]
    assert new_id < -1_000_000_000_000  # 64-bit supergroup id
    card = await say(world, new_id, worker["id"], "/whereami")
    assert f"网格编码：{GRID1}" in card["text"]
    async with world.db() as session:
        assert await group_by_chat(session, chat["id"]) is None
        group = await group_by_chat(session, new_id)
    assert group is not None and group.migrated_from_chat_id == chat["id"]


async def wait_until(world: World, chat_id: int, predicate: object, timeout: float = 5) -> None:
    import asyncio

    for _ in range(int(timeout / 0.05)):
        async with world.db() as session:
            if predicate(await group_by_chat(session, chat_id)):  # type: ignore[operator]
                return
        await asyncio.sleep(0.05)
    raise AssertionError(f"group {chat_id} never reached the expected state")
