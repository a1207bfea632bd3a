"""The inbox: every update is stored before it is acknowledged, then processed once."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Column, Text
from sqlmodel import Field, SQLModel

from models.base import AwareDateTime, StrEnumColumn, utcnow


class InboxStatus(enum.StrEnum):
    pending = "pending"
    done = "done"
    failed = "failed"
    malformed = "malformed"


class InboxUpdate(SQLModel, table=True):
    __tablename__ = "inbox_update"

    id: int | None = Field(default=None, primary_key=True)
    update_id: int | None = Field(
        default=None, sa_column=Column(BigInteger, unique=True, nullable=True)
    )
    payload: str = Field(sa_column=Column(Text, nullable=False))
    status: InboxStatus = Field(
        default=InboxStatus.pending,
        sa_column=Column(StrEnumColumn(InboxStatus, 16), nullable=False, index=True),
    )
    received_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    processed_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
