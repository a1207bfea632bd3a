"""The audit log: every command staff give the bot, allowed or refused."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import AwareDateTime, utcnow


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime, index=True)
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    user_id: int | None = Field(default=None, sa_type=BigInteger)
    chat_id: int | None = Field(default=None, sa_type=BigInteger)
    command: str = Field(sa_column=Column(String(64), nullable=False))  # "/claim", "button:tk"
    args: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    outcome: str = Field(default="ok", sa_column=Column(String(32), nullable=False))


class JobRun(SQLModel, table=True):
    """A once-only job done (e.g. the digest of one day to one person): never done twice."""

    __tablename__ = "job_run"
    __table_args__ = (UniqueConstraint("job", "key", name="uq_job_run_key"),)

    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(sa_column=Column(String(32), nullable=False))
    key: str = Field(sa_column=Column(String(128), nullable=False))
    done_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
