"""可能需要关注 through the emulator, the bot's classifier replaced by a scripted one that is
unsure of some messages: the group hears nothing, the grid worker gets the message privately and
decides with one tap; unanswered, it climbs; staff's 误报 marks are exported for the corpus."""

from __future__ import annotations

import argparse
import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlmodel import select

from audit.log import entries_since
from classify.evaluate import Example, load_corpus
from cli.marks import export_marks
from core.vocabulary import Category, Decision, Priority, ReviewStatus
from models.outgoing import OutgoingMessage
from models.reviews import Review
from tests.e2e.conftest import World
from tests.e2e.test_group_binding import say
from tests.e2e.test_tickets import (
    COMMUNITY_ADMIN1,
    WORKER2,
    answered,
    grid_group,
    staff_with_dm,
    tickets,
)
from tests.support.scripted_classifier import ScriptedClassifier, unsure

WHEREABOUTS = "有谁见过我家老爷子吗，早上出门到现在没消息，电话13812345678"
BANTER = "我又走丢了哈哈，这小区太绕了，急死我了"
LEAK = "我家厨房水管漏水了，楼下都湿了"


def script(world: World) -> None:
    """The running bot classifies with the script: unsure of WHEREABOUTS, BANTER ignored."""
    assert world.runtime is not None
    world.runtime.dp["classifier"] = ScriptedClassifier(
        {
            WHEREABOUTS: unsure(Category.MISSING_PERSON),
            BANTER: unsure(Category.MISSING_PERSON, action=Decision.IGNORE, confidence=0.08),
        }
    )


async def unsure_message(
    world: World,
) -> tuple[dict[str, Any], dict[str, Any], int, dict[str, Any]]:
    """Worker, group, the resident's message id, and the worker's 可能需要关注 notice."""
    script(world)
    worker, resident, chat = await grid_group(world)
    sent = await world.client.send_message(chat["id"], resident["id"], WHEREABOUTS)
    notice = await world.client.wait_for(worker["id"], contains="可能需要关注")
    return worker, chat, sent["message"]["message_id"], notice


def button(message: dict[str, Any], text: str) -> str:
    for row in message["reply_markup"]["inline_keyboard"]:
        for key in row:
            if key["text"] == text:
                return str(key["callback_data"])
    raise AssertionError(f"no button {text} under {message['text']!r}")


async def replies_to(world: World, chat_id: int, message_id: int) -> list[OutgoingMessage]:
    """What the bot wrote (committed to its outbox) in answer to one message of a chat."""
    async with world.db() as session:
        found = await session.execute(
            select(OutgoingMessage).where(
                OutgoingMessage.chat_id == chat_id, OutgoingMessage.reply_to == message_id
            )
        )
        return list(found.scalars())


async def review_status(world: World) -> ReviewStatus:
    async with world.db() as session:
        (review,) = (await session.execute(select(Review))).scalars()
        return review.status


async def test_an_unsure_message_reaches_the_worker_and_becomes_a_ticket_with_one_tap(
    world: World,
) -> None:
    worker, chat, sent, notice = await unsure_message(world)
    assert notice["text"].startswith("🔍 可能需要关注 #1｜疑似寻人（紧急）")
    assert "第1网格群" in notice["text"] and "138****5678" in notice["text"]
    assert "13812345678" not in notice["text"]
    # The notice and any group reply commit together: none was written.
    assert await replies_to(world, chat["id"], sent) == []
    assert await tickets(world, expect=0) == []

    pressed = await world.client.press_button(
        worker["id"], notice["message_id"], worker["id"], button(notice, "转为工单")
    )
    opened = await world.client.wait_for(chat["id"], contains="已登记：寻人（紧急）")
    assert opened["reply_to_message_id"] == sent and "138****5678" in opened["text"]
    (ticket,) = await tickets(world)
    assert "已转为工单" in await answered(world, pressed["callback_query_id"])
    new = await world.client.wait_for(worker["id"], contains=f"新工单 #{ticket.id}")
    assert button(new, "🚨 确认发布寻人启事")  # a 寻人 ticket can become an alert, as ever
    closed = await world.client.wait_for(
        worker["id"],
        predicate=lambda m: m["message_id"] == notice["message_id"] and "已转为工单" in m["text"],
    )
    assert not (closed.get("reply_markup") or {}).get("inline_keyboard")
    assert await review_status(world) is ReviewStatus.converted


async def test_chatter_with_alarm_words_the_classifier_ignores_gets_no_reply(
    world: World,
) -> None:
    script(world)
    _worker, resident, chat = await grid_group(world)
    banter = await world.client.send_message(chat["id"], resident["id"], BANTER)
    await say(world, chat["id"], resident["id"], "/whereami")  # handled after the banter
    assert await replies_to(world, chat["id"], banter["message"]["message_id"]) == []
    assert await tickets(world, expect=0) == []


async def test_an_unanswered_review_climbs_to_the_community_after_the_urgent_deadline(
    world: World,
) -> None:
    admin = await staff_with_dm(world, COMMUNITY_ADMIN1, "社区书记")
    _worker, _chat, _sent, _notice = await unsure_message(world)
    assert world.runtime is not None
    world.clock.advance(timedelta(minutes=4))
    await world.runtime.sweep_once()
    world.clock.advance(timedelta(minutes=1))  # the urgent claim deadline: 5 minutes
    await world.runtime.sweep_once()

    up = await world.client.wait_for(admin["id"], contains="超时未处理，已上报")
    assert (
        len([m for m in await world.client.bot_messages(admin["id"]) if "超时未处理" in m["text"]])
        == 1
    )
    pressed = await world.client.press_button(
        admin["id"], up["message_id"], admin["id"], button(up, "忽略")
    )
    assert "已忽略" in await answered(world, pressed["callback_query_id"])
    for _ in range(100):
        if await review_status(world) is ReviewStatus.ignored:
            break
        await asyncio.sleep(0.05)
    assert await review_status(world) is ReviewStatus.ignored


async def test_a_press_by_anyone_not_covering_the_grid_is_refused_and_audited(
    world: World,
) -> None:
    worker, _chat, _sent, notice = await unsure_message(world)
    resident = await world.client.create_user("路人甲")
    other_worker = await staff_with_dm(world, WORKER2, "李强")
    convert = button(notice, "转为工单")
    for who in (resident, other_worker):
        pressed = await world.client.press_button(
            worker["id"], notice["message_id"], who["id"], convert
        )
        refusal = await answered(world, pressed["callback_query_id"])
        assert "不在您负责的范围内" in refusal
    assert await review_status(world) is ReviewStatus.pending
    assert await tickets(world, expect=0) == []
    async with world.db() as session:
        logged = await entries_since(session, world.clock.now() - timedelta(days=1))
    outcomes = [(e.command, e.outcome) for e, _ in logged if e.command == "button:rv"]
    assert outcomes == [("button:rv", "refused:forbidden")]  # staff only: the worker of grid 2


async def test_a_false_alarm_mark_on_a_ticket_closes_it_and_is_exported(
    world: World, tmp_path: Path
) -> None:
    worker, resident, chat = await grid_group(world)
    await say(world, chat["id"], resident["id"], LEAK)
    (ticket,) = await tickets(world)
    new = await world.client.wait_for(worker["id"], contains=f"新工单 #{ticket.id}")
    pressed = await world.client.press_button(
        worker["id"], new["message_id"], worker["id"], button(new, "误报")
    )
    assert "已标记误报" in await answered(world, pressed["callback_query_id"])
    await world.client.wait_for(chat["id"], contains=f"工单 #{ticket.id} 经黄秀英核实为误报")

    target = tmp_path / "marks.tsv"
    args = argparse.Namespace(settings=world.settings, file=str(target), since=None)
    assert await export_marks(args) == 0
    assert load_corpus(target) == [Example(LEAK, Category.NONE, Priority.NORMAL)]
