"""Tickets opened from residents' messages, and the event log of everything done to them."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Column, String, Text
from sqlalchemy.sql.expression import false
from sqlmodel import Field, SQLModel

from models.base import AwareDateTime, StrEnumColumn, utcnow


class TicketStatus(enum.StrEnum):
    new = "new"
    claimed = "claimed"
    reopened = "reopened"
    resolved = "resolved"
    closed = "closed"

    @property
    def is_open(self) -> bool:
        return self in OPEN_STATUSES

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]


OPEN_STATUSES = frozenset({TicketStatus.new, TicketStatus.claimed, TicketStatus.reopened})
_STATUS_LABELS = {
    TicketStatus.new: "待接单",
    TicketStatus.claimed: "办理中",
    TicketStatus.reopened: "已重办",
    TicketStatus.resolved: "已办结",
    TicketStatus.closed: "已关闭",
}


class Rating(enum.StrEnum):
    satisfied = "satisfied"
    basically_satisfied = "basically_satisfied"
    unsatisfied = "unsatisfied"

    @property
    def label(self) -> str:
        return {"satisfied": "满意", "basically_satisfied": "基本满意"}.get(self.value, "不满意")


class EventKind(enum.StrEnum):
    opened = "opened"
    added = "added"
    linked = "linked"
    routed = "routed"
    unreachable = "unreachable"
    claimed = "claimed"
    noted = "noted"
    transferred = "transferred"
    escalated = "escalated"
    resolved = "resolved"
    rated = "rated"
    reopened = "reopened"
    closed = "closed"
    alert_confirmed = "alert_confirmed"  # missing-person alert sent out (models/alerts.py)
    alert_updated = "alert_updated"
    found = "found"


class Ticket(SQLModel, table=True):
    """A case to handle. `node_id` is where it came from; `handling_node_id` who must act now."""

    __tablename__ = "ticket"

    id: int | None = Field(default=None, primary_key=True)
    category: str = Field(sa_column=Column(String(32), nullable=False, index=True))
    priority: str = Field(sa_column=Column(String(16), nullable=False))
    status: TicketStatus = Field(
        default=TicketStatus.new,
        sa_column=Column(StrEnumColumn(TicketStatus, 16), nullable=False, index=True),
    )
    text: str = Field(sa_column=Column(Text, nullable=False))
    details: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    photos: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    reporter_user_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    reporter_name: str = Field(default="", max_length=200)
    group_id: int = Field(foreign_key="chat_group.id", index=True)
    source_message_id: int | None = Field(default=None, sa_type=BigInteger)
    bot_message_id: int | None = Field(default=None, sa_type=BigInteger)
    node_id: int = Field(foreign_key="node.id", index=True)
    handling_node_id: int = Field(foreign_key="node.id", index=True)
    escalation_level: int = Field(default=0)
    assignee_person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    duplicate_of_id: int | None = Field(default=None, foreign_key="ticket.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime, index=True)
    claimed_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    claim_due_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    resolve_due_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    feedback_due_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    resolution: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    rating: Rating | None = Field(
        default=None, sa_column=Column(StrEnumColumn(Rating, 32), nullable=True)
    )
    rated_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    # The reporter agreed that their phone number may appear in a missing-person alert.
    contact_public: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=false())
    )


class TicketEvent(SQLModel, table=True):
    """One line of a ticket's history: who did what, when, at which level."""

    __tablename__ = "ticket_event"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    kind: EventKind = Field(sa_column=Column(StrEnumColumn(EventKind, 16), nullable=False))
    actor_person_id: int | None = Field(default=None, foreign_key="person.id")
    actor_user_id: int | None = Field(default=None, sa_type=BigInteger)
    node_id: int | None = Field(default=None, foreign_key="node.id")
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
