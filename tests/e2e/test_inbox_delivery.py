"""Updates in, reliably: inbox before acknowledgement, idempotent by update_id, webhook secret."""

from __future__ import annotations

import asyncio
import json
import logging

import aiohttp
import pytest
from sqlmodel import select

from models.inbox import InboxStatus, InboxUpdate
from tests.e2e.conftest import World
from tests.e2e.test_group_binding import GRID1, WORKER1, say


async def inbox_rows(world: World) -> list[InboxUpdate]:
    async with world.db() as session:
        return list((await session.execute(select(InboxUpdate))).scalars())


async def bound_group(world: World) -> tuple[dict, dict]:
    worker = await world.staff(WORKER1, "张伟")
    chat = await world.group_with_bot("第1网格群", worker)
    await say(world, chat["id"], worker["id"], f"/bind {GRID1}")
    return worker, chat


async def test_a_redelivered_update_is_processed_only_once(world: World) -> None:
    worker, chat = await bound_group(world)
    sent = await world.client.send_message(chat["id"], worker["id"], "/whereami")
    await world.client.wait_for(chat["id"], contains="本群位置")
    await world.client.redeliver(sent["update_id"])
    await say(world, chat["id"], worker["id"], "/help")  # a later update went through
    answers = [m for m in await world.client.bot_messages(chat["id"]) if "本群位置" in m["text"]]
    assert len(answers) == 1
    ids = [r.update_id for r in await inbox_rows(world)]
    assert ids.count(sent["update_id"]) == 1


async def test_every_update_is_stored_and_marked_done(world: World) -> None:
    _worker, _chat = await bound_group(world)
    # A reply is sent inside its update's transaction; the `done` mark commits right after.
    for _ in range(100):
        rows = await inbox_rows(world)
        if rows and all(r.status is InboxStatus.done for r in rows):
            break
        await asyncio.sleep(0.05)
    assert rows and all(r.status is InboxStatus.done for r in rows)
    assert all(json.loads(r.payload)["update_id"] == r.update_id for r in rows)


async def test_a_malformed_update_is_logged_skipped_and_kept(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    worker, chat = await bound_group(world)
    with caplog.at_level(logging.WARNING, logger="gridbot.inbox"):
        injected = await world.client.inject_update(
            {"message": {"message_id": "not-a-number", "chat": "nonsense"}}
        )
        answer = await say(world, chat["id"], worker["id"], "/whereami")
    assert "本群位置" in answer["text"]  # the bot kept going
    bad = [r for r in await inbox_rows(world) if r.update_id == injected["update_id"]]
    assert len(bad) == 1 and bad[0].status is InboxStatus.malformed
    assert any("malformed update" in r.getMessage() for r in caplog.records)


async def test_updates_sent_while_the_bot_is_down_are_handled_after_restart(world: World) -> None:
    worker, chat = await bound_group(world)
    await world.stop()
    before = max(m["message_id"] for m in await world.client.bot_messages(chat["id"]))
    await world.client.send_message(chat["id"], worker["id"], "/whereami")
    await world.start()
    answer = await world.client.wait_for(chat["id"], after_message_id=before)
    assert "本群位置" in answer["text"]


async def test_stored_but_unprocessed_update_is_processed_once_after_a_crash(
    world: World,
) -> None:
    worker, chat = await bound_group(world)
    await world.stop()
    sent = await world.client.send_message(chat["id"], worker["id"], "/whereami")
    # The crash: the update reached the inbox, then the process died before handling it.
    from bot.runtime import BotRuntime

    crashed = BotRuntime(world.settings, clock=world.clock)
    await crashed.inbox.store([{"update_id": sent["update_id"], "message": sent["message"]}])
    await crashed.engine.dispose()
    await crashed.bot.session.close()
    await world.start()  # Telegram redelivers too, since nothing was acknowledged
    await world.client.wait_for(chat["id"], contains="本群位置")
    await say(world, chat["id"], worker["id"], "/help")
    answers = [m for m in await world.client.bot_messages(chat["id"]) if "本群位置" in m["text"]]
    assert len(answers) == 1


async def test_webhook_mode_processes_updates_with_the_right_secret(world: World) -> None:
    await world.stop()
    world.settings.telegram.webhook_port = 0
    await world.start(webhook=True)
    worker, chat = await bound_group(world)
    answer = await say(world, chat["id"], worker["id"], "/whereami")
    assert "本群位置" in answer["text"]
    deliveries = await world.client.webhook_deliveries()
    assert deliveries and all(d["status"] == 200 for d in deliveries)


@pytest.mark.parametrize("secret", [None, "wrong-secret"])
async def test_webhook_rejects_a_wrong_or_missing_secret(world: World, secret: str | None) -> None:
    await world.stop()
    world.settings.telegram.webhook_port = 0
    await world.start(webhook=True)
    assert world.runtime is not None
    info = await world.runtime.bot.get_webhook_info()
    before = len(await inbox_rows(world))
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
    update = {
        "update_id": 999999,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 1, "type": "private"},
            "text": "/start",
        },
    }
    async with aiohttp.ClientSession() as http:
        async with http.post(info.url, json=update, headers=headers) as resp:
            assert resp.status == 401
    assert len(await inbox_rows(world)) == before


async def test_webhook_keeps_a_body_that_is_not_json(world: World) -> None:
    await world.stop()
    world.settings.telegram.webhook_port = 0
    await world.start(webhook=True)
    assert world.runtime is not None
    info = await world.runtime.bot.get_webhook_info()
    headers = {"X-Telegram-Bot-Api-Secret-Token": world.runtime.webhook_secret}
    async with aiohttp.ClientSession() as http:
        async with http.post(info.url, data=b"{not json", headers=headers) as resp:
            assert resp.status == 200
    rows = [r for r in await inbox_rows(world) if r.payload == "{not json"]
    assert len(rows) == 1 and rows[0].status is InboxStatus.malformed


async def test_a_flood_reply_is_waited_out_and_the_answer_still_arrives(world: World) -> None:
    worker, chat = await bound_group(world)
    await world.client.set_fault(chat["id"], "flood", count=1, retry_after=1)
    answer = await say(world, chat["id"], worker["id"], "/whereami")
    assert "本群位置" in answer["text"]
    assert (await world.client.stats())["http_429"] >= 1
