"""Sending, editing, deleting and pinning messages, with Telegram's error texts."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
)

from emulator import BotAPIEmulator, EmulatorClient


def keyboard(data: str = "ok") -> InlineKeyboardMarkup:
    button = InlineKeyboardButton(text="确认", callback_data=data)
    return InlineKeyboardMarkup(inline_keyboard=[[button]])


async def raw_call(emu: BotAPIEmulator, method: str, **params: Any) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as http:
        url = f"{emu.base_url}/bot{emu.token}/{method}"
        async with http.post(url, json=params) as response:
            return response.status, await response.json()


async def test_send_message_shows_in_transcript(
    bot: Bot, client: EmulatorClient, group: dict[str, Any]
) -> None:
    chat_id = group["chat_id"]
    sent = await bot.send_message(chat_id, "工单 #12 已受理", reply_markup=keyboard())
    assert sent.chat.id == chat_id and sent.from_user is not None and sent.from_user.is_bot
    assert sent.reply_markup is not None
    assert sent.reply_markup.model_dump(exclude_none=True) == keyboard().model_dump(
        exclude_none=True
    )
    entry = await client.wait_for(chat_id, contains="已受理")
    assert entry["message_id"] == sent.message_id
    assert entry["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "ok"
    assert [m["message_id"] for m in await client.bot_messages(chat_id)] == [sent.message_id]
    stats = await client.stats()
    assert stats["calls"]["sendMessage"] == 1 and stats["sent_per_chat"][str(chat_id)] == 1


async def test_raw_objects_validate_as_aiogram_messages(
    emu: BotAPIEmulator, group: dict[str, Any]
) -> None:
    chat_id = group["chat_id"]
    _, first = await raw_call(
        emu, "sendMessage", chat_id=chat_id, text="<b>粗体</b> /help", parse_mode="HTML"
    )
    _, reply = await raw_call(
        emu,
        "sendMessage",
        chat_id=chat_id,
        text="reply",
        reply_parameters={"message_id": first["result"]["message_id"]},
    )
    _, photo = await raw_call(
        emu, "sendPhoto", chat_id=chat_id, photo="https://x/y.jpg", caption="图"
    )
    for body in (first, reply, photo):
        assert body["ok"] is True
        Message.model_validate(body["result"])
    assert first["result"]["text"] == "粗体 /help"
    assert first["result"]["entities"] == [
        {"type": "bold", "offset": 0, "length": 2},
        {"type": "bot_command", "offset": 3, "length": 5},
    ]
    assert reply["result"]["reply_to_message"]["message_id"] == first["result"]["message_id"]


async def test_text_length_limits(bot: Bot, group: dict[str, Any]) -> None:
    chat_id = group["chat_id"]
    assert len((await bot.send_message(chat_id, "a" * 4096)).text or "") == 4096
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(chat_id, "a" * 4097)
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(chat_id, "😀" * 2049)  # 4098 UTF-16 code units
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(chat_id, "")
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(chat_id, "   ")


async def test_html_errors_like_telegram(bot: Bot, group: dict[str, Any]) -> None:
    chat_id = group["chat_id"]
    with pytest.raises(TelegramBadRequest, match='Unsupported start tag "br" at byte offset 1'):
        await bot.send_message(chat_id, "a<br>b", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="Can't find end tag corresponding to start tag"):
        await bot.send_message(chat_id, "<b>open", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match='expected "</b>", found "</i>"'):
        await bot.send_message(chat_id, "<b>x</i>", parse_mode="HTML")
    ok = await bot.send_message(
        chat_id, '1 &lt; 2 &amp; <a href="https://e.x">链接</a>', parse_mode="HTML"
    )
    assert ok.text == "1 < 2 & 链接"
    assert ok.entities is not None and ok.entities[0].url == "https://e.x"


async def test_unknown_chat_and_reply_errors(bot: Bot, group: dict[str, Any]) -> None:
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(-4099999999, "x")
    with pytest.raises(TelegramBadRequest, match="message to be replied not found"):
        await bot.send_message(
            group["chat_id"], "x", reply_parameters=ReplyParameters(message_id=99)
        )
    sent = await bot.send_message(
        group["chat_id"],
        "x",
        reply_parameters=ReplyParameters(message_id=99, allow_sending_without_reply=True),
    )
    assert sent.reply_to_message is None


async def test_edit_delete_pin(bot: Bot, client: EmulatorClient, group: dict[str, Any]) -> None:
    chat_id = group["chat_id"]
    sent = await bot.send_message(chat_id, "v1", reply_markup=keyboard())
    with pytest.raises(TelegramBadRequest, match="message is not modified: specified new"):
        await bot.edit_message_text(
            "v1", chat_id=chat_id, message_id=sent.message_id, reply_markup=keyboard()
        )
    edited = await bot.edit_message_text(
        "v2", chat_id=chat_id, message_id=sent.message_id, reply_markup=keyboard()
    )
    assert isinstance(edited, Message) and edited.text == "v2" and edited.edit_date is not None
    await bot.edit_message_reply_markup(
        chat_id=chat_id, message_id=sent.message_id, reply_markup=keyboard("other")
    )
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=chat_id, message_id=999)
    user_msg = await client.send_message(chat_id, group["member"]["id"], "用户消息")
    with pytest.raises(TelegramBadRequest, match="message can't be edited"):
        await bot.edit_message_text(
            "x", chat_id=chat_id, message_id=user_msg["message"]["message_id"]
        )
    with pytest.raises(TelegramBadRequest, match="not enough rights to manage pinned"):
        await bot.pin_chat_message(chat_id, sent.message_id)
    await client.add_bot(chat_id, group["owner"]["id"], admin=True)
    admins = await bot.get_chat_administrators(chat_id)
    assert [(a.user.id, a.status) for a in admins] == [
        (group["owner"]["id"], "creator"),
        (bot.id, "administrator"),
    ]
    assert await bot.pin_chat_message(chat_id, sent.message_id) is True
    assert await bot.delete_message(chat_id, sent.message_id) is True
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(chat_id, sent.message_id)
    entry = next(e for e in await client.transcript(chat_id) if e["message_id"] == sent.message_id)
    assert entry["edit_history"] == ["v1"] and entry["edited"] and entry["deleted"]
    assert entry["pinned"] and entry["text"] == "v2"
    assert await client.bot_messages(chat_id) == []


async def test_photos_upload_file_id_and_caption(
    bot: Bot, client: EmulatorClient, group: dict[str, Any]
) -> None:
    chat_id = group["chat_id"]
    upload = BufferedInputFile(b"\xff\xd8fake-jpeg\xff\xd9", filename="leak.jpg")
    first = await bot.send_photo(chat_id, upload, caption="现场照片")
    assert first.photo and first.photo[-1].width > first.photo[0].width
    again = await bot.send_photo(chat_id, first.photo[-1].file_id)
    assert again.photo is not None and again.photo[-1].file_id == first.photo[-1].file_id
    assert again.caption is None
    await bot.send_photo(chat_id, upload, caption="字" * 1024)
    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await bot.send_photo(chat_id, upload, caption="字" * 1025)
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_photo(chat_id, "no-such-file-id")
    edited = await bot.edit_message_caption(
        chat_id=chat_id, message_id=first.message_id, caption="新说明"
    )
    assert isinstance(edited, Message) and edited.caption == "新说明"
    entry = await client.wait_for(chat_id, lambda e: e["photo"] and e["edited"])
    assert entry["edit_history"] == ["现场照片"]
    file = await bot.get_file(first.photo[-1].file_id)
    assert file.file_path is not None
    downloaded = await bot.download_file(file.file_path)
    assert downloaded is not None and downloaded.read() == b"\xff\xd8fake-jpeg\xff\xd9"


async def test_callback_answer_is_recorded(
    bot: Bot, client: EmulatorClient, group: dict[str, Any]
) -> None:
    chat_id = group["chat_id"]
    sent = await bot.send_message(chat_id, "选择", reply_markup=keyboard("t:1"))
    pressed = await client.press_button(chat_id, sent.message_id, group["member"]["id"], "t:1")
    updates = await bot.get_updates(timeout=0)
    query = updates[-1].callback_query
    assert query is not None and query.id == pressed["callback_query_id"] and query.data == "t:1"
    assert query.message is not None and query.message.message_id == sent.message_id
    await bot.answer_callback_query(query.id, text="已确认", show_alert=True)
    answer = await client.callback_answer(query.id)
    assert answer["answered"] and answer["text"] == "已确认" and answer["show_alert"] is True
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query.id)
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(chat_id, "x", reply_markup=keyboard("数据" * 11))


async def test_chat_info_and_commands(
    bot: Bot, client: EmulatorClient, group: dict[str, Any]
) -> None:
    chat_id = group["chat_id"]
    info = await bot.get_chat(chat_id)
    assert info.title == "阳光小区 3 号楼" and info.type == "group"
    assert await bot.get_chat_member_count(chat_id) == 3
    owner = await bot.get_chat_member(chat_id, group["owner"]["id"])
    assert owner.status == "creator"
    admins = await bot.get_chat_administrators(chat_id)
    assert [a.user.id for a in admins] == [group["owner"]["id"]]
    me = await bot.get_chat_member(chat_id, bot.id)
    assert me.status == "member"
    assert await bot.send_chat_action(chat_id, "typing") is True
    from aiogram.types import BotCommand

    assert await bot.set_my_commands([BotCommand(command="bind", description="绑定网格")])
    assert [c.command for c in await bot.get_my_commands()] == ["bind"]
    assert await bot.delete_my_commands()
    assert await bot.get_my_commands() == []
