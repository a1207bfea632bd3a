"""The grid worker's day: work-log entries, checklist marks and headcount rounds."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.vocabulary import WorkKind
from models.base import AwareDateTime, StrEnumColumn, utcnow


class WorkLog(SQLModel, table=True):
    """One entry of a worker's log (日志), on the grid it was written for."""

    __tablename__ = "work_log"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    node_id: int = Field(foreign_key="node.id", index=True)
    kind: WorkKind = Field(sa_column=Column(StrEnumColumn(WorkKind, 16), nullable=False))
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime, index=True)
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id")  # hazard → ticket


class ChecklistMark(SQLModel, table=True):
    """A checklist item done on a grid for one period (e.g. ISO week '2026-W48')."""

    __tablename__ = "checklist_mark"
    __table_args__ = (
        UniqueConstraint("node_id", "item", "period", name="uq_checklist_mark_period"),
    )

    id: int | None = Field(default=None, primary_key=True)
    node_id: int = Field(foreign_key="node.id", index=True)
    item: str = Field(sa_column=Column(String(64), nullable=False))  # key from config
    period: str = Field(sa_column=Column(String(16), nullable=False))
    person_id: int = Field(foreign_key="person.id")
    done_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    note: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))


class HeadcountRound(SQLModel, table=True):
    """A daily headcount (在区人口统计) opened by an official for every grid under `node_id`."""

    __tablename__ = "headcount_round"

    id: int | None = Field(default=None, primary_key=True)
    node_id: int = Field(foreign_key="node.id", index=True)
    day: str = Field(sa_column=Column(String(10), nullable=False, index=True))  # local date
    opened_by: int | None = Field(default=None, foreign_key="person.id")
    opened_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    deadline_at: datetime = Field(sa_type=AwareDateTime)
    reminded_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=AwareDateTime)


class HeadcountAnswer(SQLModel, table=True):
    """One grid's number in a round; a second answer replaces the first."""

    __tablename__ = "headcount_answer"
    __table_args__ = (UniqueConstraint("round_id", "node_id", name="uq_headcount_answer_grid"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="headcount_round.id", index=True)
    node_id: int = Field(foreign_key="node.id", index=True)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    count: int = Field(sa_column=Column(Integer, nullable=False))
    answered_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
