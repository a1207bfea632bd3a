"""A message with no sender (posted on behalf of a channel or of the group itself) is never a
failed update: a command gets a clear answer, anything else one log line."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import pytest
from sqlmodel import col, select

from models.inbox import InboxStatus, InboxUpdate
from tests.e2e.conftest import World
from tests.e2e.test_group_binding import GRID1, WORKER1, say

COMMANDS = ["/poll", "/broadcast", "/report 楼道灯坏了", "/whereami", "/tickets", "/bind PG-01"]
NOT_HANDLED = "has no sender (sent as chat"


def without_sender(chat: dict[str, Any], message_id: int, text: str) -> dict[str, Any]:
    """A message as Telegram sends one posted on behalf of the group itself: no `from`."""
    entities = []
    if text.startswith("/"):
        entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    at = {"id": chat["id"], "type": chat["type"], "title": chat["title"]}
    return {
        "message": {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": at,
            "sender_chat": at,
            "text": text,
            "entities": entities,
        }
    }


async def outcome(world: World, update_id: int) -> InboxStatus:
    """The inbox's outcome for the update, once it has been processed."""
    for _ in range(200):
        async with world.db() as session:
            status = await session.scalar(
                select(col(InboxUpdate.status)).where(col(InboxUpdate.update_id) == update_id)
            )
        if status is not None and status is not InboxStatus.pending:
            return InboxStatus(status)
        await asyncio.sleep(0.05)
    raise AssertionError(f"update {update_id} never processed")


@pytest.mark.parametrize("text", COMMANDS)
async def test_a_command_without_sender_is_answered_not_failed(
    world: World, text: str, caplog: pytest.LogCaptureFixture
) -> None:
    worker = await world.staff(WORKER1, "黄秀英")
    group = await world.group_with_bot("第1网格群", worker)
    await say(world, group["id"], worker["id"], f"/bind {GRID1}")
    with caplog.at_level(logging.INFO, logger="gridbot.updates"):
        injected = await world.client.inject_update(without_sender(group, 9_000, text))
        assert await outcome(world, injected["update_id"]) is InboxStatus.done
    command = text.split()[0]
    answer = await world.client.wait_for(group["id"], contains=f"无法确认是谁发送了 {command}，")
    assert answer["text"].endswith(
        "所以没有执行。请用您本人的账号发送（不要以群或频道的身份发送）。"
    )
    assert sum(NOT_HANDLED in r.getMessage() for r in caplog.records) == 1


async def test_a_report_without_sender_is_one_log_line(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    worker = await world.staff(WORKER1, "黄秀英")
    group = await world.group_with_bot("第1网格群", worker)
    await say(world, group["id"], worker["id"], f"/bind {GRID1}")
    before = len(await world.client.bot_messages(group["id"]))
    with caplog.at_level(logging.INFO, logger="gridbot.updates"):
        injected = await world.client.inject_update(without_sender(group, 9_001, "漏水了"))
        assert await outcome(world, injected["update_id"]) is InboxStatus.done
    assert [r.getMessage() for r in caplog.records if NOT_HANDLED in r.getMessage()] == [
        f"message 9001 in chat {group['id']} {NOT_HANDLED} {group['id']}): not handled"
    ]
    await asyncio.sleep(0.5)
    assert len(await world.client.bot_messages(group["id"])) == before
