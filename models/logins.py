"""Logins to the web console: one-time links sent by the bot, and the sessions they open.

Only the sha256 of a token is stored, so a copy of the database opens no session. The rules
(who may have a link, single use, expiry, the idle timeout) are in models/login_service.py.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import Column, String
from sqlmodel import Field, SQLModel

from models.base import AwareDateTime, utcnow


def token_hash(token: str) -> str:
    """The stored form of a link or cookie token (hex sha256)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class ConsoleLink(SQLModel, table=True):
    """A one-time login link for one staff member, valid until `expires_at`, used once."""

    __tablename__ = "console_link"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    person_id: int = Field(foreign_key="person.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    expires_at: datetime = Field(sa_type=AwareDateTime)
    used_at: datetime | None = Field(default=None, sa_type=AwareDateTime)


class ConsoleSession(SQLModel, table=True):
    """A logged-in browser: the cookie's token hash, its CSRF token and when it was last used."""

    __tablename__ = "console_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    person_id: int = Field(foreign_key="person.id", index=True)
    csrf_token: str = Field(sa_column=Column(String(64), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
