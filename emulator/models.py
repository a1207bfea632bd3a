"""Plain records for users, chats and messages kept by the emulator."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

GROUP_TYPES = ("group", "supergroup")
PRESENT = ("creator", "administrator", "member", "restricted")


@dataclass
class User:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False
    started: bool = False
    blocked: bool = False

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "is_bot": self.is_bot,
            "first_name": self.first_name,
        }
        for key in ("last_name", "username", "language_code"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data


@dataclass
class StoredMessage:
    message_id: int
    chat_id: int
    from_id: int
    date: int
    text: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[dict[str, Any]] = field(default_factory=list)
    photo: list[dict[str, Any]] | None = None
    document: dict[str, Any] | None = None
    reply_markup: dict[str, Any] | None = None
    reply_to_message_id: int | None = None
    service: dict[str, Any] = field(default_factory=dict)
    edit_date: int | None = None
    edit_history: list[str | None] = field(default_factory=list)
    deleted: bool = False
    pinned: bool = False


@dataclass
class Chat:
    id: int
    type: str
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    members: dict[int, str] = field(default_factory=dict)
    bot_status: str = "left"
    migrated_to: int | None = None
    migrated_from: int | None = None
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    next_message_id: int = 1

    @property
    def is_group(self) -> bool:
        return self.type in GROUP_TYPES

    @property
    def display_name(self) -> str:
        if self.title:
            return self.title
        return f"{self.first_name or ''} {self.last_name or ''}".strip()

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        for key in ("title", "username", "first_name", "last_name"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data
