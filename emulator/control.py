"""Control API: build the world (users, chats, members) and act as its users."""

from __future__ import annotations

from aiohttp import web

from . import actions
from .control_base import chat_arg, int_arg, json_body, runtime_of, user_arg
from .errors import ControlError
from .models import PRESENT
from .serialize import chat_state, message_api, transcript_entry

routes = web.RouteTableDef()
USER_FIELDS = ("last_name", "username", "language_code")
MEMBER_STATUSES = ("creator", "administrator", "member", "restricted", "left", "kicked")


@routes.post("/control/users")
async def create_user(request: web.Request) -> web.Response:
    rt, body = runtime_of(request), await json_body(request)
    user_id = body.get("id")
    user = rt.state.create_user(
        str(body.get("first_name") or "User"),
        id=None if user_id is None else int_arg(user_id, "id"),
        **{key: body[key] for key in USER_FIELDS if body.get(key) is not None},
    )
    return web.json_response(user.to_api())


@routes.post("/control/users/{user_id}/start")
async def start_private(request: web.Request) -> web.Response:
    rt = runtime_of(request)
    user = user_arg(rt, request.match_info["user_id"])
    chat, message, update_id = actions.start_private(rt, user)
    return web.json_response(
        {
            "chat": chat.to_api(),
            "message": message_api(rt.state, chat, message),
            "update_id": update_id,
        }
    )


@routes.post("/control/users/{user_id}/block")
async def block_bot(request: web.Request) -> web.Response:
    rt, body = runtime_of(request), await json_body(request)
    user = user_arg(rt, request.match_info["user_id"])
    update_id = actions.set_blocked(rt, user, bool(body.get("blocked", True)))
    return web.json_response({"blocked": user.blocked, "update_id": update_id})


@routes.post("/control/chats")
async def create_chat(request: web.Request) -> web.Response:
    rt, body = runtime_of(request), await json_body(request)
    chat_id = body.get("id")
    chat = rt.state.create_chat(
        str(body.get("type") or "group"),
        body.get("title"),
        id=None if chat_id is None else int_arg(chat_id, "id"),
        **({"username": body["username"]} if body.get("username") else {}),
    )
    bot_status = body.get("bot_status")
    if bot_status is not None:
        if bot_status not in MEMBER_STATUSES:
            raise ControlError(400, f"bot_status must be one of {MEMBER_STATUSES}")
        chat.bot_status = bot_status
    if chat.type == "private":
        rt.state.users[chat.id].started = True
    return web.json_response(chat_state(rt.state, chat))


@routes.get("/control/chats/{chat_id}")
async def get_chat(request: web.Request) -> web.Response:
    rt = runtime_of(request)
    return web.json_response(chat_state(rt.state, chat_arg(rt, request.match_info["chat_id"])))


@routes.post("/control/chats/{chat_id}/members")
async def set_member(request: web.Request) -> web.Response:
    rt, body = runtime_of(request), await json_body(request)
    chat = chat_arg(rt, request.match_info["chat_id"])
    user = user_arg(rt, body.get("user_id"))
    status = body.get("status", "member")
    if status not in MEMBER_STATUSES:
        raise ControlError(400, f"status must be one of {MEMBER_STATUSES}")
    if user.id == rt.bot.id:
        chat.bot_status = status
    else:
        chat.members[user.id] = status
    return web.json_response({"chat_id": chat.id, "user_id": user.id, "status": status})


@routes.post("/control/chats/{chat_id}/messages")
async def post_message(request: web.Request) -> web.Response:
    rt, body = runtime_of(request), await json_body(request)
    user = user_arg(rt, body.get("from_user_id"), "from_user_id")
    chat_id = int_arg(request.match_info["chat_id"], "chat_id")
    chat = rt.state.chats.get(chat_id)
    if chat is None and chat_id == user.id:
        chat = rt.state.private_chat(user)
    if chat is None:
        raise ControlError(404, f"chat {chat_id} not found")
    reply_to = body.get("reply_to_message_id")
    message, update_id = actions.user_message(
        rt,
        chat,
        user,
        text=body.get("text"),
        photo=bool(body.get("photo")),
        caption=body.get("caption"),
        reply_to_message_id=None if reply_to is None else int_arg(reply_to, "reply_to"),
    )
    return web.json_response(
        {"message": message_api(rt.state, chat, message), "update_id": update_id}
    )


@routes.post("/control/chats/{chat_id}/bot")
async def bot_membership(request: web.Request) -> web.Response:
    rt, body = runtime_of(request), await json_body(request)
    chat = chat_arg(rt, request.match_info["chat_id"])
    by = body.get("by_user_id")
    old = chat.bot_status
    update_ids = actions.set_bot_status(
        rt,
        chat,
        str(body.get("action", "add")),
        None if by is None else user_arg(rt, by, "by_user_id"),
    )
    return web.json_response(
        {
            "old_status": old,
            "new_status": chat.bot_status,
            "update_ids": update_ids,
            "present": chat.bot_status in PRESENT,
        }
    )


@routes.post("/control/chats/{chat_id}/migrate")
async def migrate(request: web.Request) -> web.Response:
    rt, body = runtime_of(request), await json_body(request)
    chat = chat_arg(rt, request.match_info["chat_id"])
    by = body.get("by_user_id")
    target, update_ids = actions.migrate(
        rt, chat, None if by is None else user_arg(rt, by, "by_user_id")
    )
    return web.json_response(
        {"old_chat_id": chat.id, "new_chat_id": target.id, "update_ids": update_ids}
    )


@routes.get("/control/chats/{chat_id}/transcript")
async def transcript(request: web.Request) -> web.Response:
    rt = runtime_of(request)
    chat = chat_arg(rt, request.match_info["chat_id"])
    entries = [transcript_entry(rt.state, m) for m in chat.messages.values()]
    return web.json_response(entries)
