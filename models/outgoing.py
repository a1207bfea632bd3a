"""The outbox of single messages: every reply, notice, prompt and edit the bot will send.

A row is written in the same transaction as the change that caused it and delivered after the
commit by the courier (outbox/courier.py); a rolled-back update leaves no row, so nothing is
said about work that did not happen. Broadcast copies have their own rows (models/broadcasts.py).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, LargeBinary, Text
from sqlmodel import Field, SQLModel

from models.base import AwareDateTime, StrEnumColumn, utcnow


class OutKind(enum.StrEnum):
    text = "text"
    photo = "photo"
    document = "document"
    edit_text = "edit_text"
    edit_buttons = "edit_buttons"


class OutStatus(enum.StrEnum):
    pending = "pending"
    sending = "sending"  # claimed; a crash here makes the row a possible duplicate
    sent = "sent"
    failed = "failed"


class Priority(enum.IntEnum):
    """Lower goes first: a resident waiting for an answer before a staff notice or a digest."""

    reply = 0
    notice = 1
    routine = 2


class OutgoingMessage(SQLModel, table=True):
    __tablename__ = "outgoing_message"
    __table_args__ = (Index("ix_outgoing_message_due", "status", "not_before"),)

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    kind: OutKind = Field(
        default=OutKind.text, sa_column=Column(StrEnumColumn(OutKind, 16), nullable=False)
    )
    text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    html: bool = True  # the text is an autoescaped HTML template's output
    buttons: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # JSON
    reply_to: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    message_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    edit_of: int | None = Field(default=None, foreign_key="outgoing_message.id")
    file_name: str | None = Field(default=None, max_length=200)
    file_data: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    priority: int = Field(default=int(Priority.reply))
    purpose: str | None = Field(default=None, max_length=32)  # what a refusal means, see hooks
    ref_id: int | None = Field(default=None)  # e.g. the ticket a staff notice is about
    person_id: int | None = Field(default=None)  # the addressee of a private message
    status: OutStatus = Field(
        default=OutStatus.pending,
        sa_column=Column(StrEnumColumn(OutStatus, 16), nullable=False),
    )
    attempts: int = 0
    possibly_duplicate: bool = False
    # None: as soon as possible; set by the courier when it retries later (its own clock).
    not_before: datetime | None = Field(default=None, sa_type=AwareDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    sent_message_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
