"""Bot API methods that change existing messages: edit, delete, pin."""

from __future__ import annotations

from typing import Any

from .entities import format_text
from .errors import bad_request
from .methods_send import caption_fields, parse_markup
from .models import Chat, StoredMessage
from .params import Params
from .registry import method
from .runtime import Runtime
from .serialize import message_api
from .state import now

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


def _editable(rt: Runtime, p: Params) -> tuple[Chat, StoredMessage]:
    if p.has("inline_message_id"):
        raise bad_request("MESSAGE_ID_INVALID")
    chat = rt.access_chat(p.chat_id())
    message = chat.messages.get(p.require_int("message_id"))
    if message is None or message.deleted:
        raise bad_request("message to edit not found")
    if message.from_id != rt.bot.id:
        raise bad_request("message can't be edited")
    return chat, message


def _finish_edit(rt: Runtime, chat: Chat, message: StoredMessage) -> dict[str, Any]:
    message.edit_date = now()
    rt.state.record_event("edit", chat, message)
    return message_api(rt.state, chat, message)


@method("editMessageText")
async def edit_message_text(rt: Runtime, p: Params) -> dict[str, Any]:
    chat, message = _editable(rt, p)
    if message.text is None:
        raise bad_request("there is no text in the message to edit")
    text, entities = format_text(p.text("text"), p.text("parse_mode"), p.json_value("entities"))
    markup = parse_markup(p)
    if (text, entities, markup) == (message.text, message.entities, message.reply_markup):
        raise bad_request(NOT_MODIFIED)
    message.edit_history.append(message.text)
    message.text, message.entities, message.reply_markup = text, entities, markup
    return _finish_edit(rt, chat, message)


@method("editMessageCaption")
async def edit_message_caption(rt: Runtime, p: Params) -> dict[str, Any]:
    chat, message = _editable(rt, p)
    if message.text is not None:
        raise bad_request("there is no caption in the message to edit")
    fields = caption_fields(p)
    markup = parse_markup(p)
    current = (message.caption, message.caption_entities, message.reply_markup)
    if (fields["caption"], fields["caption_entities"], markup) == current:
        raise bad_request(NOT_MODIFIED)
    message.edit_history.append(message.caption)
    message.caption, message.caption_entities = fields["caption"], fields["caption_entities"]
    message.reply_markup = markup
    return _finish_edit(rt, chat, message)


@method("editMessageReplyMarkup")
async def edit_message_reply_markup(rt: Runtime, p: Params) -> dict[str, Any]:
    chat, message = _editable(rt, p)
    markup = parse_markup(p)
    if markup == message.reply_markup:
        raise bad_request(NOT_MODIFIED)
    message.reply_markup = markup
    rt.state.record_event("edit", chat, message)
    return message_api(rt.state, chat, message)


def _delete(rt: Runtime, chat: Chat, message_id: int) -> None:
    message = chat.messages.get(message_id)
    if message is None or message.deleted:
        raise bad_request("message to delete not found")
    if message.from_id != rt.bot.id and not rt.bot_is_admin(chat):
        raise bad_request("message can't be deleted")
    message.deleted = True
    rt.state.record_event("delete", chat, message)


@method("deleteMessage")
async def delete_message(rt: Runtime, p: Params) -> bool:
    chat = rt.access_chat(p.chat_id())
    _delete(rt, chat, p.require_int("message_id"))
    return True


@method("deleteMessages")
async def delete_messages(rt: Runtime, p: Params) -> bool:
    chat = rt.access_chat(p.chat_id())
    ids = p.json_value("message_ids")
    if not isinstance(ids, list) or not ids:
        raise bad_request("message_ids is empty")
    for message_id in ids:
        message = chat.messages.get(int(message_id))
        if message is not None and not message.deleted:
            _delete(rt, chat, message.message_id)
    return True


def _pin_rights(rt: Runtime, chat: Chat) -> None:
    if not rt.bot_is_admin(chat):
        raise bad_request("not enough rights to manage pinned messages in the chat")


@method("pinChatMessage")
async def pin_chat_message(rt: Runtime, p: Params) -> bool:
    chat = rt.access_chat(p.chat_id())
    _pin_rights(rt, chat)
    message = chat.messages.get(p.require_int("message_id"))
    if message is None or message.deleted:
        raise bad_request("message to pin not found")
    message.pinned = True
    rt.state.record_event("pin", chat, message)
    return True


@method("unpinChatMessage")
async def unpin_chat_message(rt: Runtime, p: Params) -> bool:
    chat = rt.access_chat(p.chat_id())
    _pin_rights(rt, chat)
    message_id = p.integer("message_id")
    pinned = [m for m in chat.messages.values() if m.pinned and not m.deleted]
    if message_id is not None:
        target = chat.messages.get(message_id)
        if target is None or target.deleted:
            raise bad_request("message to unpin not found")
        pinned = [target] if target.pinned else []
    for message in pinned[-1:]:
        message.pinned = False
        rt.state.record_event("unpin", chat, message)
    return True


@method("unpinAllChatMessages")
async def unpin_all_chat_messages(rt: Runtime, p: Params) -> bool:
    chat = rt.access_chat(p.chat_id())
    _pin_rights(rt, chat)
    for message in chat.messages.values():
        if message.pinned:
            message.pinned = False
            rt.state.record_event("unpin", chat, message)
    return True
