"""One send budget per bot: a ticket notice sent while a broadcast runs shares Telegram's
limits with it (the emulator enforces 30/s and 20/min per group) and does not wait for it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import pytest
from aiogram import Bot

from broadcasts import BroadcastEngine, EngineConfig, RateLimiter
from channels.telegram.channel import TelegramChannel
from channels.telegram.sender import AiogramSender
from channels.telegram.sending import attach_budget, budget_of
from core.clock import Clock
from core.db import session_scope
from emulator import BotAPIEmulator, EmulatorClient
from models.outgoing import Priority
from outbox.courier import Courier
from outbox.write import say
from tests.test_broadcast_telegram import TOKEN, Factory, broadcast_to_all, district


@pytest.fixture
async def emu() -> AsyncIterator[BotAPIEmulator]:
    emulator = BotAPIEmulator(token=TOKEN, limits=True, global_per_second=30)
    await emulator.start()
    yield emulator
    await emulator.stop()


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.005)


async def test_a_notice_during_a_broadcast_shares_the_budget_and_goes_first(
    session_factory: Factory, client: EmulatorClient, bot: Bot
) -> None:
    groups = await district(session_factory, client, 75)
    worker = await client.create_user("张伟")
    await client.start_private(worker["id"])
    # The emulator serves from this very event loop, so under load a request can reach it tens
    # of ms after it left: the margin has to cover that, as in production it covers jitter.
    budget = RateLimiter(30, 20, margin=0.05)
    attach_budget(bot, budget)
    await broadcast_to_all(session_factory, "【通知】明天上午9点至12点停水，请提前储水。")
    config = EngineConfig(global_per_second=30, senders=16)
    engine = BroadcastEngine(session_factory, AiogramSender(bot), config, limiter=budget)
    running = asyncio.create_task(engine.run_until_idle())

    await until(lambda: budget.started >= 40)  # the second window is filling, rows queued
    asked = time.monotonic()
    async with session_scope(session_factory) as session:
        say(
            session,
            worker["id"],
            "【新工单 #7】3号楼楼道堆物，请尽快处理。",
            priority=Priority.notice,
        )
    courier = Courier(session_factory, TelegramChannel(bot), now=Clock().now, limiter=budget)
    await courier.deliver_all()
    waited = time.monotonic() - asked
    rows_started_by_then = budget.started - 1
    [report] = await running

    assert courier.sent == 1
    assert [m["text"] for m in await client.bot_messages(worker["id"])] == [
        "【新工单 #7】3号楼楼道堆物，请尽快处理。"
    ]
    assert report.counts.delivered == len(groups)
    assert budget.urgent_started == 1 and budget.started == len(groups) + 1
    # The notice took the next slot: rows were still queued, and it did not wait for them.
    assert rows_started_by_then < len(groups) - 16
    assert waited < 0.6
    stats = await client.stats()
    assert stats["http_429"] == 0  # notice and broadcast together kept 30/s and 20/min


async def test_a_bot_has_one_budget(bot: Bot) -> None:
    assert budget_of(bot) is None
    budget = RateLimiter(30, 20)
    attach_budget(bot, budget)
    assert budget_of(bot) is budget
    with pytest.raises(RuntimeError):
        attach_budget(bot, RateLimiter(30, 20))
