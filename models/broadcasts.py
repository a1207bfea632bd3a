"""Broadcasts down the tree: one `Broadcast` and its outbox of one `BroadcastDelivery` per group.

The outbox rows are written before anything is sent; each row ends `delivered` (with the
platform's message id), `failed` (with the reason) or `skipped`. A row is `sending` only while
one sender holds it (committed before the platform is called), so rows found `sending` after a
crash are exactly the ones that were in flight: they are flagged `possibly_duplicated` and sent
again (see `broadcasts/`).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Column, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.sql.expression import false
from sqlmodel import Field, SQLModel

from models.base import AwareDateTime, StrEnumColumn, utcnow


class BroadcastStatus(enum.StrEnum):
    queued = "queued"
    sending = "sending"
    done = "done"
    cancelled = "cancelled"

    @property
    def is_open(self) -> bool:
        return self in (BroadcastStatus.queued, BroadcastStatus.sending)


class BroadcastPriority(enum.StrEnum):
    """Urgent alerts skip the queue ahead of every ordinary broadcast (even one under way)."""

    normal = "normal"
    urgent = "urgent"


class BroadcastKind(enum.StrEnum):
    message = "message"  # an ordinary broadcast
    alert = "alert"  # a missing-person alert (urgent, pinned; see models/alerts.py)
    poll = "poll"  # a satisfaction poll: one button per option in `options`
    edit = "edit"  # edits every delivered copy of broadcast `source_id` (see EditMode)


class EditMode(enum.StrEnum):
    """What an `edit` broadcast does to each copy of its source."""

    update = "update"  # new text, photo and pin kept
    found = "found"  # new text, photo message deleted, pin lifted


class DeliveryStatus(enum.StrEnum):
    pending = "pending"
    sending = "sending"
    delivered = "delivered"
    failed = "failed"
    skipped = "skipped"

    @property
    def is_final(self) -> bool:
        return self in FINAL_DELIVERY_STATUSES


FINAL_DELIVERY_STATUSES = frozenset(
    {DeliveryStatus.delivered, DeliveryStatus.failed, DeliveryStatus.skipped}
)


def _count_column() -> Column[int]:
    return Column(Integer, nullable=False, server_default="0")


class Broadcast(SQLModel, table=True):
    """One message sent to every active group under `node_id`; counts are final once done."""

    __tablename__ = "broadcast"

    id: int | None = Field(default=None, primary_key=True)
    created_by: int | None = Field(default=None, foreign_key="person.id")
    node_id: int = Field(foreign_key="node.id", index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    photo: str | None = Field(default=None, sa_column=Column(String(1024), nullable=True))
    pin: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=false())
    )
    priority: BroadcastPriority = Field(
        default=BroadcastPriority.normal,
        sa_column=Column(
            StrEnumColumn(BroadcastPriority, 16), nullable=False, server_default="normal"
        ),
    )
    status: BroadcastStatus = Field(
        default=BroadcastStatus.queued,
        sa_column=Column(
            StrEnumColumn(BroadcastStatus, 16), nullable=False, index=True, server_default="queued"
        ),
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    scheduled_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    started_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    kind: BroadcastKind = Field(
        default=BroadcastKind.message,
        sa_column=Column(
            StrEnumColumn(BroadcastKind, 16), nullable=False, server_default="message"
        ),
    )
    # The text is a Jinja2 template rendered per group ({{ group.name }}, {{ node.path }}, ...).
    templated: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=false())
    )
    read_button: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=false())
    )
    options: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # JSON list
    source_id: int | None = Field(default=None, foreign_key="broadcast.id")  # kind=edit
    edit_mode: EditMode | None = Field(
        default=None, sa_column=Column(StrEnumColumn(EditMode, 16), nullable=True)
    )
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id", index=True)
    total: int = Field(default=0, sa_column=_count_column())
    delivered: int = Field(default=0, sa_column=_count_column())
    failed: int = Field(default=0, sa_column=_count_column())
    skipped: int = Field(default=0, sa_column=_count_column())
    possibly_duplicated: int = Field(default=0, sa_column=_count_column())


class BroadcastDelivery(SQLModel, table=True):
    """One broadcast to one group: the persistent outbox row."""

    __tablename__ = "broadcast_delivery"
    __table_args__ = (
        UniqueConstraint("broadcast_id", "group_id", name="uq_broadcast_delivery_group"),
        Index("ix_broadcast_delivery_queue", "broadcast_id", "status", "seq"),
    )

    id: int | None = Field(default=None, primary_key=True)
    broadcast_id: int = Field(foreign_key="broadcast.id")
    group_id: int = Field(foreign_key="chat_group.id", index=True)
    seq: int = Field(sa_column=Column(Integer, nullable=False))
    status: DeliveryStatus = Field(
        default=DeliveryStatus.pending,
        sa_column=Column(
            StrEnumColumn(DeliveryStatus, 16), nullable=False, server_default="pending"
        ),
    )
    chat_id: int | None = Field(default=None, sa_type=BigInteger)
    attempts: int = Field(default=0, sa_column=_count_column())
    message_id: int | None = Field(default=None, sa_type=BigInteger)
    message_ids: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    possibly_duplicated: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=false())
    )
    finished_at: datetime | None = Field(default=None, sa_type=AwareDateTime)


class BroadcastRead(SQLModel, table=True):
    """One press of a broadcast's 已阅 button: recorded once per person and broadcast."""

    __tablename__ = "broadcast_read"
    __table_args__ = (UniqueConstraint("broadcast_id", "user_id", name="uq_broadcast_read_user"),)

    id: int | None = Field(default=None, primary_key=True)
    broadcast_id: int = Field(foreign_key="broadcast.id", index=True)
    user_id: int = Field(sa_type=BigInteger)
    group_id: int | None = Field(default=None, foreign_key="chat_group.id", index=True)
    read_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)


class PollAnswer(SQLModel, table=True):
    """One resident's answer to a poll broadcast: once per person and poll."""

    __tablename__ = "poll_answer"
    __table_args__ = (UniqueConstraint("broadcast_id", "user_id", name="uq_poll_answer_user"),)

    id: int | None = Field(default=None, primary_key=True)
    broadcast_id: int = Field(foreign_key="broadcast.id", index=True)
    user_id: int = Field(sa_type=BigInteger)
    group_id: int | None = Field(default=None, foreign_key="chat_group.id", index=True)
    option: int = Field(sa_column=Column(Integer, nullable=False))  # index into options
    answered_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
