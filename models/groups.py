"""Group chats the bot sits in, and the one-time tokens that bind them to nodes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, String
from sqlmodel import Field, SQLModel

from models.base import AwareDateTime, utcnow


class Group(SQLModel, table=True):
    """A chat the bot was added to; kept (inactive) after the bot leaves, never deleted."""

    __tablename__ = "chat_group"

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, unique=True, nullable=False, index=True))
    title: str = Field(default="", max_length=255)
    chat_type: str = Field(default="group", max_length=16)
    node_id: int | None = Field(default=None, foreign_key="node.id", index=True)
    active: bool = Field(default=True)
    added_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    bound_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    bound_by_user_id: int | None = Field(default=None, sa_type=BigInteger)
    migrated_from_chat_id: int | None = Field(default=None, sa_type=BigInteger)
    left_at: datetime | None = Field(default=None, sa_type=AwareDateTime)


class BindToken(SQLModel, table=True):
    """A single-use, expiring token that lets anyone bind one group to `node_id`.

    `issued_by_user_id` is the staff member (Telegram user id) it was issued for; their roles,
    read when the token is redeemed, decide whether it may move a group that is already bound
    elsewhere. A token without an issuer (from the command line) binds only unbound groups.
    """

    __tablename__ = "bind_token"

    id: int | None = Field(default=None, primary_key=True)
    token: str = Field(sa_column=Column(String(64), unique=True, nullable=False, index=True))
    node_id: int = Field(foreign_key="node.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    expires_at: datetime = Field(sa_type=AwareDateTime)
    used_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    used_by_chat_id: int | None = Field(default=None, sa_type=BigInteger)
    issued_by_user_id: int | None = Field(default=None, sa_type=BigInteger)

    def usable_at(self, now: datetime) -> bool:
        return self.used_at is None and now < self.expires_at
