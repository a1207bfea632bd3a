"""Tickets opened from residents' messages, and the event log of everything done to them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Column, Index, Text, column, func, text
from sqlalchemy.sql.expression import false
from sqlmodel import Field, SQLModel

from core.vocabulary import OPEN_STATUSES, Category, EventKind, Priority, Rating, TicketStatus
from models.base import AwareDateTime, StrEnumColumn, utcnow

# The open-ticket index's predicate (core.vocabulary.OPEN_STATUSES, as literals: a query uses
# the partial index only when its own WHERE names the same values, see stats/overview.py).
OPEN_TICKET_STATUSES = tuple(s.value for s in TicketStatus if s in OPEN_STATUSES)
OPEN_TICKET = text("status IN ({})".format(", ".join(f"'{s}'" for s in OPEN_TICKET_STATUSES)))
OPEN_TICKET_INCLUDED = (
    "node_id", "handling_node_id", "priority", "status", "claim_due_at", "resolve_due_at",
)  # fmt: skip


class Ticket(SQLModel, table=True):
    """A case to handle. `node_id` is where it came from; `handling_node_id` who must act now."""

    __tablename__ = "ticket"
    __table_args__ = (
        # The ticket board's sorts (tickets/board_sql.py), each served by its own index; the
        # text search's trigram index (migration 0012_board_indexes) and its index of
        # characters and pairs for shorter queries (0016_ticket_text_grams, with its function)
        # exist on PostgreSQL only.
        Index("ix_ticket_created_id", "created_at", "id"),
        Index("ix_ticket_updated_id", "updated_at", "id"),
        Index("ix_ticket_priority_created", "priority", "created_at", "id"),
        Index("ix_ticket_node_created", "node_id", "created_at", "id"),
        # The 总览's pressing tickets: open ones only; the figures' percentiles read the times
        # from the index alone on PostgreSQL (migration 0014_overview_indexes).
        Index(
            "ix_ticket_open",
            "created_at",
            "id",
            postgresql_include=list(OPEN_TICKET_INCLUDED),
            postgresql_where=OPEN_TICKET,
            sqlite_where=OPEN_TICKET,
        ),
        Index(
            "ix_ticket_created_timing",
            "created_at",
            postgresql_include=["node_id", "claimed_at", "resolved_at"],
        ).ddl_if(dialect="postgresql"),
        Index(
            "ix_ticket_text_trgm",
            "text",
            postgresql_using="gin",
            postgresql_ops={"text": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
        Index(
            "ix_ticket_text_grams", func.ticket_text_grams(column("text")), postgresql_using="gin"
        ).ddl_if(dialect="postgresql"),
    )

    id: int | None = Field(default=None, primary_key=True)
    category: Category = Field(
        sa_column=Column(StrEnumColumn(Category, 32), nullable=False, index=True)
    )
    priority: Priority = Field(
        sa_column=Column(StrEnumColumn(Priority, 16), nullable=False, index=True)
    )
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
    # The time of its latest event (tickets/history.record), for the board's 最近更新 sort.
    updated_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    claimed_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    claim_due_at: datetime | None = Field(default=None, sa_type=AwareDateTime, index=True)
    resolve_due_at: datetime | None = Field(default=None, sa_type=AwareDateTime, index=True)
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
