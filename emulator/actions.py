"""What users and admins do in the emulated world, and the updates it produces."""

from __future__ import annotations

import secrets
from typing import Any

from .entities import command_entities
from .errors import ControlError
from .media import make_photo
from .models import PRESENT, Chat, StoredMessage, User
from .runtime import Runtime
from .serialize import member_api, message_api
from .state import now

BOT_ACTIONS = {
    "add": "member",
    "add_admin": "administrator",
    "promote": "administrator",
    "demote": "member",
    "kick": "kicked",
    "ban": "kicked",
    "remove": "left",
    "leave": "left",
}


def _addressed_to_bot(rt: Runtime, chat: Chat, message: StoredMessage) -> bool:
    """Telegram's privacy mode: what a non-admin bot sees in groups."""
    if message.service:
        return True
    replied = chat.messages.get(message.reply_to_message_id or 0)
    if replied is not None and replied.from_id == rt.bot.id:
        return True
    words = (message.text or message.caption or "").split()
    if not words or not words[0].startswith("/"):
        return False
    _, _, target = words[0].partition("@")
    return not target or target.lower() == (rt.bot.username or "").lower()


def bot_receives(rt: Runtime, chat: Chat, message: StoredMessage) -> bool:
    if chat.migrated_to is not None:
        return False
    if not chat.is_group:
        return not rt.state.users[chat.id].blocked
    if chat.bot_status not in PRESENT:
        return False
    if rt.privacy_mode and chat.bot_status != "administrator":
        return _addressed_to_bot(rt, chat, message)
    return True


def deliver(rt: Runtime, chat: Chat, message: StoredMessage) -> int | None:
    if not bot_receives(rt, chat, message):
        return None
    return rt.emit("message", message_api(rt.state, chat, message))


def user_message(
    rt: Runtime,
    chat: Chat,
    user: User,
    text: str | None = None,
    photo: bool = False,
    caption: str | None = None,
    reply_to_message_id: int | None = None,
) -> tuple[StoredMessage, int | None]:
    if chat.migrated_to is not None:
        raise ControlError(400, f"chat was migrated to {chat.migrated_to}")
    if chat.is_group:
        if chat.members.get(user.id) == "kicked":
            raise ControlError(403, "user is banned in this chat")
        if chat.members.get(user.id) not in PRESENT:
            chat.members[user.id] = "member"
    else:
        user.started = True
    if reply_to_message_id is not None and reply_to_message_id not in chat.messages:
        raise ControlError(404, f"message {reply_to_message_id} not found")
    fields: dict[str, Any] = {"reply_to_message_id": reply_to_message_id}
    if photo:
        fields.update(photo=make_photo(rt.state), caption=caption)
        fields["caption_entities"] = command_entities(caption) if caption else []
    elif text:
        fields.update(text=text, entities=command_entities(text))
    else:
        raise ControlError(400, "a message needs text or photo")
    message = rt.state.add_message(chat, user.id, **fields)
    return message, deliver(rt, chat, message)


def start_private(rt: Runtime, user: User) -> tuple[Chat, StoredMessage, int | None]:
    user.started = True
    user.blocked = False
    chat = rt.state.private_chat(user)
    message, update_id = user_message(rt, chat, user, text="/start")
    return chat, message, update_id


def bot_member_update(rt: Runtime, chat: Chat, old: str, new: str, by: User) -> int:
    return rt.emit(
        "my_chat_member",
        {
            "chat": chat.to_api(),
            "from": by.to_api(),
            "date": now(),
            "old_chat_member": member_api(rt.bot, old),
            "new_chat_member": member_api(rt.bot, new),
        },
    )


def set_bot_status(rt: Runtime, chat: Chat, action: str, by: User | None) -> list[int]:
    if not chat.is_group:
        raise ControlError(400, "use /control/users/{id}/block for private chats")
    new = BOT_ACTIONS.get(action)
    if new is None:
        raise ControlError(400, f"unknown action {action!r}; use one of {sorted(BOT_ACTIONS)}")
    actor = rt.bot if action == "leave" or by is None else by
    old, chat.bot_status = chat.bot_status, new
    if old == new:
        return []
    update_ids = [bot_member_update(rt, chat, old, new, actor)]
    if new in PRESENT and old not in PRESENT:
        service = {"new_chat_members": [rt.bot.to_api()]}
        message = rt.state.add_message(chat, actor.id, service=service)
        update_ids.append(rt.emit("message", message_api(rt.state, chat, message)))
    return update_ids


def set_blocked(rt: Runtime, user: User, blocked: bool) -> int | None:
    chat = rt.state.private_chat(user)
    if user.blocked == blocked:
        return None
    user.blocked = blocked
    user.started = True
    old, new = ("member", "kicked") if blocked else ("kicked", "member")
    return bot_member_update(rt, chat, old, new, user)


def migrate(rt: Runtime, chat: Chat, by: User | None) -> tuple[Chat, list[int]]:
    if chat.type != "group" or chat.migrated_to is not None:
        raise ControlError(400, "only a basic group that was not migrated can be migrated")
    if by is None:
        owners = [uid for uid, status in chat.members.items() if status == "creator"]
        by = rt.state.users[owners[0]] if owners else rt.bot
    target = rt.state.migrate(chat)
    old_note = rt.state.add_message(chat, by.id, service={"migrate_to_chat_id": target.id})
    new_note = rt.state.add_message(target, by.id, service={"migrate_from_chat_id": chat.id})
    update_ids = []
    if chat.bot_status in PRESENT:
        update_ids.append(rt.emit("message", message_api(rt.state, chat, old_note)))
        update_ids.append(rt.emit("message", message_api(rt.state, target, new_note)))
    return target, update_ids


def press_button(
    rt: Runtime, chat: Chat, message_id: int, user: User, data: str
) -> tuple[str, int]:
    message = chat.messages.get(message_id)
    if message is None or message.deleted:
        raise ControlError(404, f"message {message_id} not found in chat {chat.id}")
    query_id = str(secrets.randbits(62))
    rt.state.callbacks[query_id] = {"id": query_id, "answered": False, "data": data}
    body = {
        "id": query_id,
        "from": user.to_api(),
        "message": message_api(rt.state, chat, message),
        "chat_instance": str((chat.id * 2654435761) % 2**63),
        "data": data,
    }
    return query_id, rt.emit("callback_query", body)
