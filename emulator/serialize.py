"""Turn stored records into Bot API objects and control-API views."""

from __future__ import annotations

from typing import Any

from .models import Chat, StoredMessage, User
from .state import EmulatorState

ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_pin_messages",
    "can_send_welcome_messages",
)


def member_api(user: User, status: str) -> dict[str, Any]:
    data: dict[str, Any] = {"user": user.to_api(), "status": status}
    if status == "creator":
        data["is_anonymous"] = False
    elif status == "administrator":
        data.update(can_be_edited=False, is_anonymous=False, can_promote_members=False)
        data.update({right: True for right in ADMIN_RIGHTS})
    elif status == "kicked":
        data["until_date"] = 0
    elif status not in ("member", "left"):
        data["status"] = "left"
    return data


def message_api(
    state: EmulatorState, chat: Chat, message: StoredMessage, nested: bool = False
) -> dict[str, Any]:
    sender = state.users[message.from_id]
    data: dict[str, Any] = {
        "message_id": message.message_id,
        "from": sender.to_api(),
        "chat": chat.to_api(),
        "date": message.date,
    }
    if message.reply_to_message_id is not None and not nested:
        replied = chat.messages.get(message.reply_to_message_id)
        if replied is not None and not replied.deleted:
            data["reply_to_message"] = message_api(state, chat, replied, nested=True)
    if message.edit_date is not None:
        data["edit_date"] = message.edit_date
    if message.text is not None:
        data["text"] = message.text
        if message.entities:
            data["entities"] = message.entities
    if message.photo:
        data["photo"] = message.photo
    if message.document:
        data["document"] = message.document
    if message.caption:
        data["caption"] = message.caption
        if message.caption_entities:
            data["caption_entities"] = message.caption_entities
    if message.reply_markup and "inline_keyboard" in message.reply_markup:
        data["reply_markup"] = message.reply_markup
    data.update(message.service)
    return data


def transcript_entry(state: EmulatorState, message: StoredMessage) -> dict[str, Any]:
    sender = state.users.get(message.from_id)
    return {
        "message_id": message.message_id,
        "from_id": message.from_id,
        "from_is_bot": bool(sender and sender.is_bot),
        "from_name": sender.full_name if sender else None,
        "text": message.text,
        "entities": message.entities,
        "caption": message.caption,
        "photo": bool(message.photo),
        "document": message.document["file_name"] if message.document else None,
        "reply_markup": message.reply_markup,
        "reply_to_message_id": message.reply_to_message_id,
        "date": message.date,
        "edited": message.edit_date is not None,
        "edit_history": list(message.edit_history),
        "deleted": message.deleted,
        "pinned": message.pinned,
        "service": sorted(message.service) or None,
    }


def chat_state(state: EmulatorState, chat: Chat) -> dict[str, Any]:
    return {
        **chat.to_api(),
        "bot_status": chat.bot_status,
        "migrated_to": chat.migrated_to,
        "migrated_from": chat.migrated_from,
        "members": {str(uid): status for uid, status in chat.members.items()},
        "message_count": len(chat.messages),
    }
