"""One way out, through the real bot: nothing is said about work that was rolled back, and a
reply meets the platform's faults without being lost."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import col, select

from handlers.notices import Notifier
from models.inbox import InboxStatus, InboxUpdate
from models.outgoing import OutgoingMessage
from models.tickets import Ticket
from tests.e2e.conftest import World
from tests.e2e.test_group_binding import GRID1, last_bot_id, say
from tests.e2e.test_tickets import grid_group


async def test_a_handler_that_fails_after_opening_a_ticket_sends_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _worker, resident, chat = await grid_group(world)
    before = len(await world.client.bot_messages(chat["id"]))

    async def broken_publish(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("notifying staff failed after the ticket and its reply were written")

    monkeypatch.setattr(Notifier, "publish", broken_publish)
    await world.client.send_message(chat["id"], resident["id"], "我家厨房水管漏水了，楼下都湿了")
    for _ in range(100):  # until the update is processed (and failed)
        async with world.db() as session:
            failed = (
                await session.execute(
                    select(InboxUpdate).where(col(InboxUpdate.status) == InboxStatus.failed)
                )
            ).first()
        if failed:
            break
        await asyncio.sleep(0.05)
    assert failed, "the update should have failed"
    await asyncio.sleep(0.5)  # time enough for a courier that had something to send
    assert len(await world.client.bot_messages(chat["id"])) == before  # no 已登记 for nothing
    async with world.db() as session:
        assert (await session.execute(select(Ticket))).first() is None
        texts = (await session.execute(select(OutgoingMessage.text))).scalars().all()
    assert not [t for t in texts if t and "已登记" in t]


async def test_a_group_reply_that_meets_a_5xx_is_retried_and_arrives_once(world: World) -> None:
    _worker, resident, chat = await grid_group(world)
    before = len(await world.client.bot_messages(chat["id"]))
    await world.client.set_fault(chat["id"], "server_error", count=1)
    await world.client.send_message(chat["id"], resident["id"], "楼道里的灯坏了好几天了")
    reply = await world.client.wait_for(chat["id"], contains="已登记", timeout=15)
    assert reply["text"].startswith("📝 已登记")
    await asyncio.sleep(0.5)
    registered = [
        m for m in (await world.client.bot_messages(chat["id"]))[before:] if "已登记" in m["text"]
    ]
    assert len(registered) == 1


async def test_a_429_in_one_group_does_not_delay_the_reply_in_another(world: World) -> None:
    worker, resident, flooded = await grid_group(world)
    calm = await world.group_with_bot("第1网格二群", worker)
    await say(world, calm["id"], worker["id"], f"/bind {GRID1}")
    await world.client.set_fault(flooded["id"], "flood", count=1, retry_after=5)
    calm_seen = await last_bot_id(world, calm["id"])
    loop = asyncio.get_running_loop()
    started = loop.time()
    await world.client.send_message(flooded["id"], resident["id"], "我家厨房水管漏水了")
    await world.client.send_message(calm["id"], resident["id"], "小区门口的路灯不亮了")
    await world.client.wait_for(calm["id"], after_message_id=calm_seen, timeout=10)
    calm_after = loop.time() - started
    await world.client.wait_for(flooded["id"], contains="已登记", timeout=15)
    flooded_after = loop.time() - started
    assert calm_after < 3.0  # not held back by the other group's 5 s
    assert flooded_after >= 4.5  # the flooded group waited what it was told


async def test_a_press_whose_data_does_not_parse_is_still_answered(world: World) -> None:
    """#11 item 14: no handler takes it, and the spinner used to turn forever."""
    worker, _resident, chat = await grid_group(world)
    greeting = (await world.client.bot_messages(chat["id"]))[-1]
    pressed = await world.client.press_button(
        chat["id"], greeting["message_id"], worker["id"], "tk:not-a-number:%%"
    )
    for _ in range(100):
        answer = await world.client.callback_answer(pressed["callback_query_id"])
        if answer["answered"]:
            break
        await asyncio.sleep(0.05)
    assert answer["answered"]
