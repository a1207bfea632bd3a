"""Missing-person alerts (寻人联动): one per `missing_person` ticket once staff confirm it.

The alert itself goes out as an urgent broadcast (`Broadcast.kind == alert`) to every group
under `node_id` (the ticket's town by default). Updates and the found-edit are `edit`
broadcasts of that one (`Broadcast.source_id`), so they are rate limited and crash safe like
any other broadcast. Time to find = `found_at - ticket.created_at`.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from models.base import AwareDateTime, StrEnumColumn, utcnow


class AlertStatus(enum.StrEnum):
    active = "active"
    found = "found"


class MissingAlert(SQLModel, table=True):
    __tablename__ = "missing_alert"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", unique=True)
    node_id: int = Field(foreign_key="node.id", index=True)  # fan-out root
    broadcast_id: int | None = Field(default=None, foreign_key="broadcast.id")
    status: AlertStatus = Field(
        default=AlertStatus.active,
        sa_column=Column(StrEnumColumn(AlertStatus, 16), nullable=False, server_default="active"),
    )
    text: str = Field(sa_column=Column(Text, nullable=False))  # the alert as last sent
    confirmed_by: int | None = Field(default=None, foreign_key="person.id")
    confirmed_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    updated_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    found_by: int | None = Field(default=None, foreign_key="person.id")
    found_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    found_seconds: int | None = Field(default=None)  # found_at - ticket.created_at
