"""Webhook delivery: secret header, ordering, retries, info, switching back to polling."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramConflictError
from aiohttp import web

from emulator import EmulatorClient


class Receiver:
    """A tiny webhook endpoint that can fail its first requests."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.secrets: list[str | None] = []
        self.fail_next = 0
        self.reply: dict[str, Any] | None = None
        self.url = ""
        self.arrived = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        self.secrets.append(request.headers.get("X-Telegram-Bot-Api-Secret-Token"))
        if self.fail_next:
            self.fail_next -= 1
            return web.Response(status=500)
        self.received.append(await request.json())
        self.arrived.set()
        return web.json_response(self.reply or {})

    async def wait(self, count: int) -> None:
        async with asyncio.timeout(5):
            while len(self.received) < count:
                self.arrived.clear()
                await self.arrived.wait()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    hook = Receiver()
    app = web.Application()
    app.router.add_post("/hook", hook.handle)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    hook.url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    yield hook
    await runner.cleanup()


async def test_delivery_with_secret_in_order(
    bot: Bot, client: EmulatorClient, receiver: Receiver
) -> None:
    user = await client.create_user("郑")
    assert await bot.set_webhook(receiver.url, secret_token="s3cret-Token_1")
    sent = [await client.send_message(user["id"], user["id"], f"m{n}") for n in range(3)]
    await receiver.wait(3)
    assert [u["update_id"] for u in receiver.received] == [s["update_id"] for s in sent]
    assert [u["message"]["text"] for u in receiver.received] == ["m0", "m1", "m2"]
    assert set(receiver.secrets) == {"s3cret-Token_1"}
    deliveries = await client.webhook_deliveries()
    assert [d["status"] for d in deliveries] == [200, 200, 200]
    assert deliveries[0]["secret_header"] == "s3cret-Token_1"
    info = await bot.get_webhook_info()
    assert info.url == receiver.url and info.pending_update_count == 0
    assert info.has_custom_certificate is False
    with pytest.raises(TelegramConflictError, match="webhook is active"):
        await bot.get_updates()


async def test_retry_keeps_order(bot: Bot, client: EmulatorClient, receiver: Receiver) -> None:
    user = await client.create_user("冯")
    receiver.fail_next = 2
    await bot.set_webhook(receiver.url)
    first = await client.send_message(user["id"], user["id"], "first")
    second = await client.send_message(user["id"], user["id"], "second")
    await receiver.wait(2)
    assert [u["update_id"] for u in receiver.received] == [first["update_id"], second["update_id"]]
    deliveries = await client.webhook_deliveries()
    assert [(d["update_id"], d["status"]) for d in deliveries] == [
        (first["update_id"], 500),
        (first["update_id"], 500),
        (first["update_id"], 200),
        (second["update_id"], 200),
    ]
    assert receiver.secrets[0] is None and deliveries[0]["secret_header"] is None
    info = await bot.get_webhook_info()
    assert info.last_error_message is not None and "500" in info.last_error_message


async def test_delete_webhook_returns_to_polling(
    bot: Bot, client: EmulatorClient, eventually: Callable[..., Awaitable[None]]
) -> None:
    user = await client.create_user("陈")
    await bot.set_webhook("http://127.0.0.1:9/unreachable")
    sent = await client.send_message(user["id"], user["id"], "stuck")

    async def attempted() -> bool:
        return bool(await client.webhook_deliveries())

    await eventually(attempted)
    assert (await client.webhook_deliveries())[0]["status"] is None
    assert (await bot.get_webhook_info()).pending_update_count == 1
    assert await bot.delete_webhook()
    updates = await bot.get_updates(timeout=0)
    assert [u.update_id for u in updates] == [sent["update_id"]]


async def test_method_in_webhook_response_is_executed(
    bot: Bot, client: EmulatorClient, receiver: Receiver
) -> None:
    user = await client.create_user("褚")
    receiver.reply = {"method": "sendMessage", "chat_id": user["id"], "text": "pong"}
    await client.start_private(user["id"])
    await bot.set_webhook(receiver.url)
    entry = await client.wait_for(user["id"], contains="pong", timeout=5)
    assert entry["from_is_bot"]
