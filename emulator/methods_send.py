"""Bot API methods that create messages: sendMessage, sendPhoto, sendDocument."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .entities import format_text
from .errors import bad_request, too_many_requests
from .media import resolve_document, resolve_photo
from .models import Chat
from .params import Params
from .registry import method
from .runtime import Runtime
from .serialize import message_api


def parse_markup(p: Params) -> dict[str, Any] | None:
    markup = p.json_value("reply_markup")
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        return markup
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
        )
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not button.get("text"):
                raise bad_request("can't parse inline keyboard button: Text must be non-empty")
            if set(button) == {"text"}:
                raise bad_request("text buttons are unallowed in the inline keyboard")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                raise bad_request("BUTTON_DATA_INVALID")
    return markup


def reply_target(p: Params, chat: Chat) -> int | None:
    parameters = p.json_value("reply_parameters")
    if isinstance(parameters, dict):
        message_id = parameters.get("message_id")
        allow = bool(parameters.get("allow_sending_without_reply"))
    else:
        message_id = p.integer("reply_to_message_id")
        allow = p.flag("allow_sending_without_reply")
    if message_id is None:
        return None
    target = chat.messages.get(int(message_id))
    if target is None or target.deleted:
        if allow:
            return None
        raise bad_request("message to be replied not found")
    return target.message_id


async def send(rt: Runtime, p: Params, build: Callable[[Chat], dict[str, Any]]) -> dict[str, Any]:
    """Shared path: access checks, content validation, flood limits, storage."""
    chat = rt.access_chat(p.chat_id())
    content: dict[str, Any] = build(chat)
    content["reply_markup"] = parse_markup(p)
    content["reply_to_message_id"] = reply_target(p, chat)
    p.json_value("link_preview_options")
    wait = rt.limiter.acquire(chat.id, per_chat=chat.is_group)
    if wait is not None:
        raise too_many_requests(wait)
    message = rt.state.add_message(chat, rt.bot.id, **content)
    rt.stats.sent_per_chat[chat.id] += 1
    return message_api(rt.state, chat, message)


def caption_fields(p: Params) -> dict[str, Any]:
    caption, entities = format_text(
        p.text("caption"), p.text("parse_mode"), p.json_value("caption_entities"), caption=True
    )
    return {"caption": caption or None, "caption_entities": entities}


@method("sendMessage")
async def send_message(rt: Runtime, p: Params) -> dict[str, Any]:
    def build(chat: Chat) -> dict[str, Any]:
        text, entities = format_text(
            p.text("text"), p.text("parse_mode"), p.json_value("entities")
        )
        return {"text": text, "entities": entities}

    return await send(rt, p, build)


@method("sendPhoto")
async def send_photo(rt: Runtime, p: Params) -> dict[str, Any]:
    def build(chat: Chat) -> dict[str, Any]:
        source = p.file("photo")
        if source is None:
            raise bad_request("there is no photo in the request")
        return {"photo": resolve_photo(rt.state, source), **caption_fields(p)}

    return await send(rt, p, build)


@method("sendDocument")
async def send_document(rt: Runtime, p: Params) -> dict[str, Any]:
    def build(chat: Chat) -> dict[str, Any]:
        source = p.file("document")
        if source is None:
            raise bad_request("there is no document in the request")
        return {"document": resolve_document(rt.state, source), **caption_fields(p)}

    return await send(rt, p, build)
