"""Wire protocol basics: auth, routing, parameter encodings, getMe."""

from __future__ import annotations

import aiohttp
import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramUnauthorizedError

from emulator import BotAPIEmulator

TOKEN = "123456:TEST-TOKEN"


async def test_get_me_through_aiogram(bot: Bot, emu: BotAPIEmulator) -> None:
    me = await bot.get_me()
    assert me.id == 123456
    assert me.is_bot is True
    assert me.username == "gridbot"
    assert emu.control_url == emu.base_url + "/control"
    assert emu.base_url.startswith("http://127.0.0.1:") and emu.port > 0


async def test_wrong_token_is_401(emu: BotAPIEmulator) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{emu.base_url}/bot999:WRONG/getMe") as response:
            assert response.status == 401
            assert await response.json() == {
                "ok": False,
                "error_code": 401,
                "description": "Unauthorized",
            }
    session = AiohttpSession(api=TelegramAPIServer.from_base(emu.base_url))
    wrong = Bot("999:WRONG", session=session)
    with pytest.raises(TelegramUnauthorizedError):
        await wrong.get_me()
    await session.close()


async def test_unknown_method_is_404_and_names_are_case_insensitive(emu: BotAPIEmulator) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{emu.base_url}/bot{TOKEN}/sendTelepathy") as response:
            assert response.status == 404
            assert await response.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found",
            }
        async with http.get(f"{emu.base_url}/bot{TOKEN}/getme") as response:
            assert (await response.json())["result"]["username"] == "gridbot"


async def test_parameter_encodings(emu: BotAPIEmulator) -> None:
    url = f"{emu.base_url}/bot{TOKEN}/getUpdates"
    async with aiohttp.ClientSession() as http:
        async with http.get(url, params={"timeout": "0", "limit": "5"}) as response:
            assert await response.json() == {"ok": True, "result": []}
        async with http.post(url, json={"timeout": 0, "allowed_updates": ["message"]}) as r:
            assert (await r.json())["ok"] is True
        async with http.post(url, data={"timeout": "0", "allowed_updates": '["message"]'}) as r:
            assert (await r.json())["ok"] is True
        form = aiohttp.FormData()
        form.add_field("timeout", "0")
        form.add_field("file", b"ignored", filename="x.bin")
        async with http.post(url, data=form) as r:
            assert (await r.json())["ok"] is True
        headers = {"Content-Type": "application/json"}
        async with http.post(url, data=b"{broken", headers=headers) as r:
            assert r.status == 400
