"""Messages the classifier was unsure of (可能需要关注), and staff's marks on its guesses."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Float, Text
from sqlmodel import Field, SQLModel

from core.vocabulary import Category, Priority, ReviewStatus
from models.base import AwareDateTime, StrEnumColumn, utcnow


class Review(SQLModel, table=True):
    """A resident's message the group was not answered on; the grid's staff decide: a ticket
    (`ticket_id`), or nothing. `handling_node_id` climbs the tree like an unclaimed ticket's
    when nobody answers by `due_at`."""

    __tablename__ = "review"

    id: int | None = Field(default=None, primary_key=True)
    status: ReviewStatus = Field(
        default=ReviewStatus.pending,
        sa_column=Column(StrEnumColumn(ReviewStatus, 16), nullable=False, index=True),
    )
    category: Category = Field(sa_column=Column(StrEnumColumn(Category, 32), nullable=False))
    priority: Priority = Field(sa_column=Column(StrEnumColumn(Priority, 16), nullable=False))
    confidence: float | None = Field(default=None, sa_column=Column(Float, nullable=True))
    text: str = Field(sa_column=Column(Text, nullable=False))
    details: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    photos: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    reporter_user_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    reporter_name: str = Field(default="", max_length=200)
    group_id: int = Field(foreign_key="chat_group.id", index=True)
    source_message_id: int | None = Field(default=None, sa_type=BigInteger)
    node_id: int = Field(foreign_key="node.id", index=True)
    handling_node_id: int = Field(foreign_key="node.id")
    escalation_level: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime, index=True)
    due_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    decided_by_person_id: int | None = Field(default=None, foreign_key="person.id")
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id")


class ClassifierMark(SQLModel, table=True):
    """Staff's correction of the classifier (误报, or 改为 another category) on a ticket or a
    review: the message, the guess and the label, for people to review and add to the corpus.
    One mark per ticket and per review; a later mark replaces the earlier one."""

    __tablename__ = "classifier_mark"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime, index=True)
    person_id: int = Field(foreign_key="person.id")
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id", unique=True)
    review_id: int | None = Field(default=None, foreign_key="review.id", unique=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    guessed_category: Category = Field(
        sa_column=Column(StrEnumColumn(Category, 32), nullable=False)
    )
    guessed_priority: Priority = Field(
        sa_column=Column(StrEnumColumn(Priority, 16), nullable=False)
    )
    confidence: float | None = Field(default=None, sa_column=Column(Float, nullable=True))
    # `none` for 误报; any other category for 改为 X.
    label_category: Category = Field(sa_column=Column(StrEnumColumn(Category, 32), nullable=False))
    label_priority: Priority = Field(sa_column=Column(StrEnumColumn(Priority, 16), nullable=False))
