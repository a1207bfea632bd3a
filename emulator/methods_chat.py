"""Bot API methods about chats, members, callbacks and commands."""

from __future__ import annotations

import json
import re
from typing import Any

from .actions import bot_member_update
from .errors import bad_request
from .models import PRESENT
from .params import Params
from .registry import method
from .runtime import Runtime
from .serialize import member_api

CHAT_ACTIONS = {
    "typing",
    "upload_photo",
    "record_video",
    "upload_video",
    "record_voice",
    "upload_voice",
    "upload_document",
    "choose_sticker",
    "find_location",
    "record_video_note",
    "upload_video_note",
}
GIFT_TYPES = (
    "unlimited_gifts",
    "limited_gifts",
    "unique_gifts",
    "premium_subscription",
    "gifts_from_channels",
)
COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")


@method("getChat")
async def get_chat(rt: Runtime, p: Params) -> dict[str, Any]:
    chat = rt.access_chat(p.chat_id())
    return {
        **chat.to_api(),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {kind: False for kind in GIFT_TYPES},
    }


def _status(rt: Runtime, chat_id: int, user_id: int) -> str:
    chat = rt.state.chats[chat_id]
    if user_id == rt.bot.id:
        return chat.bot_status if chat.is_group else "member"
    if not chat.is_group:
        return "member" if user_id == chat.id else "left"
    return chat.members.get(user_id, "left")


@method("getChatMember")
async def get_chat_member(rt: Runtime, p: Params) -> dict[str, Any]:
    chat = rt.access_chat(p.chat_id())
    user = rt.state.users.get(p.require_int("user_id"))
    if user is None:
        raise bad_request("user not found")
    return member_api(user, _status(rt, chat.id, user.id))


@method("getChatAdministrators")
async def get_chat_administrators(rt: Runtime, p: Params) -> list[dict[str, Any]]:
    chat = rt.access_chat(p.chat_id())
    if not chat.is_group:
        raise bad_request("there are no administrators in the private chat")
    admins = [
        member_api(rt.state.users[uid], status)
        for uid, status in chat.members.items()
        if status in ("creator", "administrator") and uid in rt.state.users
    ]
    if chat.bot_status == "administrator":
        admins.append(member_api(rt.bot, "administrator"))
    return admins


@method("getChatMemberCount")
async def get_chat_member_count(rt: Runtime, p: Params) -> int:
    chat = rt.access_chat(p.chat_id())
    if not chat.is_group:
        return 2
    humans = sum(1 for status in chat.members.values() if status in PRESENT)
    return humans + (1 if chat.bot_status in PRESENT else 0)


@method("leaveChat")
async def leave_chat(rt: Runtime, p: Params) -> bool:
    chat = rt.access_chat(p.chat_id())
    if not chat.is_group:
        raise bad_request("chat member status can't be changed in private chats")
    old, chat.bot_status = chat.bot_status, "left"
    bot_member_update(rt, chat, old, "left", rt.bot)
    return True


@method("sendChatAction")
async def send_chat_action(rt: Runtime, p: Params) -> bool:
    rt.access_chat(p.chat_id())
    if p.text("action") not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    return True


@method("answerCallbackQuery")
async def answer_callback_query(rt: Runtime, p: Params) -> bool:
    record = rt.state.callbacks.get(p.text("callback_query_id") or "")
    if record is None or record["answered"]:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    text = p.text("text")
    if text is not None and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    record.update(
        answered=True,
        text=text,
        show_alert=p.flag("show_alert"),
        url=p.text("url"),
        cache_time=p.integer("cache_time") or 0,
    )
    return True


def _commands_key(p: Params) -> str:
    scope = p.json_value("scope") or {"type": "default"}
    if not isinstance(scope, dict) or "type" not in scope:
        raise bad_request("can't parse BotCommandScope JSON object")
    return json.dumps(scope, sort_keys=True) + "|" + (p.text("language_code") or "")


@method("setMyCommands")
async def set_my_commands(rt: Runtime, p: Params) -> bool:
    commands = p.json_value("commands")
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    cleaned = []
    for item in commands:
        if not isinstance(item, dict) or not COMMAND_RE.fullmatch(str(item.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
        description = str(item.get("description", ""))
        if not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        cleaned.append({"command": item["command"], "description": description})
    if len(cleaned) > 100:
        raise bad_request("too many commands")
    rt.state.commands[_commands_key(p)] = cleaned
    return True


@method("getMyCommands")
async def get_my_commands(rt: Runtime, p: Params) -> list[dict[str, Any]]:
    return rt.state.commands.get(_commands_key(p), [])


@method("deleteMyCommands")
async def delete_my_commands(rt: Runtime, p: Params) -> bool:
    rt.state.commands.pop(_commands_key(p), None)
    return True
