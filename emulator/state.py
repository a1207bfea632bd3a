"""The emulated Telegram world: users, chats, messages, files, updates."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

from .events import EventLog
from .models import Chat, StoredMessage, User
from .updates import UpdateQueue


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    data: bytes
    path: str


def now() -> int:
    return int(time.time())


class EmulatorState:
    def __init__(self, bot: User) -> None:
        self.bot = bot
        self.users: dict[int, User] = {bot.id: bot}
        self.chats: dict[int, Chat] = {}
        self.files: dict[str, StoredFile] = {}
        self.photo_sets: dict[str, list[dict[str, Any]]] = {}
        self.documents: dict[str, dict[str, Any]] = {}
        self.callbacks: dict[str, dict[str, Any]] = {}
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.updates = UpdateQueue()
        self.events = EventLog()
        self._next_user = 100001
        self._next_group = 4000000001
        self._next_supergroup = 1001000000001

    def create_user(self, first_name: str, id: int | None = None, **extra: Any) -> User:
        if id is None:
            while self._next_user in self.users:
                self._next_user += 1
            id = self._next_user
        if id in self.users:
            raise ValueError(f"user {id} already exists")
        user = User(id=id, first_name=first_name, **extra)
        self.users[id] = user
        return user

    def create_chat(
        self, type: str, title: str | None = None, id: int | None = None, **extra: Any
    ) -> Chat:
        if type == "private":
            if id is None or id not in self.users:
                raise ValueError("a private chat needs the id of an existing user")
            user = self.users[id]
            extra = {
                "first_name": user.first_name,
                "last_name": user.last_name,
                "username": user.username,
                **extra,
            }
        elif type not in ("group", "supergroup"):
            raise ValueError(f"unsupported chat type {type!r}")
        elif id is None:
            id = self._new_group_id(type)
        if id in self.chats:
            raise ValueError(f"chat {id} already exists")
        chat = Chat(id=id, type=type, title=title if type != "private" else None, **extra)
        if type == "private":
            chat.members = {id: "member"}
        self.chats[id] = chat
        return chat

    def _new_group_id(self, type: str) -> int:
        while True:
            if type == "group":
                candidate, self._next_group = -self._next_group, self._next_group + 1
            else:
                candidate, self._next_supergroup = (
                    -self._next_supergroup,
                    self._next_supergroup + 1,
                )
            if candidate not in self.chats:
                return candidate

    def private_chat(self, user: User) -> Chat:
        chat = self.chats.get(user.id)
        return chat if chat is not None else self.create_chat("private", id=user.id)

    def find_chat(self, chat_id: int | str) -> Chat | None:
        if isinstance(chat_id, int):
            return self.chats.get(chat_id)
        name = chat_id.removeprefix("@").lower()
        return next(
            (c for c in self.chats.values() if c.username and c.username.lower() == name), None
        )

    def migrate(self, chat: Chat) -> Chat:
        """Turn a basic group into a new supergroup with the same title and members."""
        target = self.create_chat("supergroup", chat.title)
        target.members = dict(chat.members)
        target.bot_status = chat.bot_status
        target.migrated_from = chat.id
        chat.migrated_to = target.id
        return target

    def add_message(self, chat: Chat, from_id: int, **fields: Any) -> StoredMessage:
        message = StoredMessage(
            message_id=chat.next_message_id,
            chat_id=chat.id,
            from_id=from_id,
            date=now(),
            **fields,
        )
        chat.next_message_id += 1
        chat.messages[message.message_id] = message
        self.record_event("message", chat, message)
        return message

    def record_event(self, kind: str, chat: Chat, message: StoredMessage) -> None:
        sender = self.users.get(message.from_id)
        self.events.add(
            kind,
            chat_id=chat.id,
            chat_title=chat.display_name,
            chat_type=chat.type,
            from_name=sender.full_name if sender else str(message.from_id),
            from_is_bot=bool(sender and sender.is_bot),
            text=message.text,
            caption=message.caption,
            photo=bool(message.photo),
            service=sorted(message.service) or None,
            message_id=message.message_id,
        )

    def store_file(self, data: bytes, kind: str, extension: str) -> StoredFile:
        token = secrets.token_urlsafe(24)
        prefix = "AgACAgUAAxkBAA" if kind == "photos" else "BQACAgUAAxkBAA"
        stored = StoredFile(
            file_id=prefix + token,
            file_unique_id="AQAD" + secrets.token_urlsafe(9),
            data=data,
            path=f"{kind}/file_{len(self.files)}.{extension}",
        )
        self.files[stored.file_id] = stored
        return stored

    def close(self) -> None:
        self.updates.close()
        self.events.close()
