"""The real aiogram Dispatcher against the emulator, by polling and by webhook."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot, Dispatcher, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, ChatMemberUpdated, Message
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from emulator import EmulatorClient

Eventually = Callable[..., Awaitable[None]]


def make_dispatcher(seen: list[str]) -> Dispatcher:
    router = Router()

    @router.message(Command("bind"))
    async def bind(message: Message, command: CommandObject) -> None:
        await message.reply(f"绑定码 {command.args} 已收到")

    @router.callback_query(F.data == "ok")
    async def pressed(query: CallbackQuery) -> None:
        await query.answer("好的")

    @router.my_chat_member()
    async def membership(event: ChatMemberUpdated) -> None:
        seen.append(event.new_chat_member.status)

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    return dispatcher


async def test_polling_dispatcher_round_trip(
    bot: Bot, client: EmulatorClient, group: dict[str, Any], eventually: Eventually
) -> None:
    seen: list[str] = []
    dispatcher = make_dispatcher(seen)
    polling = asyncio.create_task(
        dispatcher.start_polling(
            bot, handle_signals=False, polling_timeout=1, close_bot_session=False
        )
    )
    try:
        chat_id = group["chat_id"]
        sent = await client.send_message(chat_id, group["member"]["id"], "/bind@gridbot 8842")
        reply = await client.wait_for(chat_id, contains="8842", timeout=5)
        assert reply["text"] == "绑定码 8842 已收到"
        assert reply["reply_to_message_id"] == sent["message"]["message_id"]
        pressed = await client.press_button(
            chat_id, reply["message_id"], group["owner"]["id"], "ok"
        )

        async def answered() -> bool:
            return bool((await client.callback_answer(pressed["callback_query_id"]))["answered"])

        await eventually(answered)
        assert (await client.callback_answer(pressed["callback_query_id"]))["text"] == "好的"

        async def saw_membership() -> bool:
            return "member" in seen

        await eventually(saw_membership)
    finally:
        await dispatcher.stop_polling()
        await asyncio.wait_for(polling, 5)


async def test_webhook_dispatcher_with_secret(
    bot: Bot, client: EmulatorClient, group: dict[str, Any], eventually: Eventually
) -> None:
    dispatcher = make_dispatcher([])
    app = web.Application()
    SimpleRequestHandler(dispatcher, bot, secret_token="hook-secret").register(app, path="/tg")
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/tg"
        await bot.set_webhook(url, secret_token="hook-secret")
        chat_id = group["chat_id"]
        await client.send_message(chat_id, group["member"]["id"], "/bind 77")
        reply = await client.wait_for(chat_id, contains="77", timeout=5)
        assert reply["text"] == "绑定码 77 已收到"
        statuses = {d["status"] for d in await client.webhook_deliveries()}
        assert statuses == {200}
        await bot.set_webhook(url, secret_token="wrong-secret")
        await client.send_message(chat_id, group["member"]["id"], "/bind 78")

        async def rejected() -> bool:
            return 401 in {d["status"] for d in await client.webhook_deliveries()}

        await eventually(rejected)
        await bot.delete_webhook()
    finally:
        await runner.cleanup()
