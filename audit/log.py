"""The audit log: every command and button press by staff, with what came of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from models.audit import AuditEntry, JobRun
from models.people import Person

OK, REFUSED, UNHANDLED, ERROR = "ok", "refused", "unhandled", "error"
MAX_ARGS = 500


@dataclass
class AuditNote:
    """The outcome of the update being handled: "ok" unless the refusal handler (the bot's
    AccessMiddleware) calls `refused(...)`."""

    outcome: str = OK

    def refused(self, reason: str = "") -> None:
        self.outcome = f"{REFUSED}:{reason}"[:32] if reason else REFUSED

    def unhandled(self) -> None:
        """No handler knew the command (the fallback only said so)."""
        self.outcome = UNHANDLED


def record(
    session: AsyncSession,
    person: Person,
    *,
    user_id: int | None,
    chat_id: int | None,
    command: str,
    args: str,
    outcome: str,
    at: datetime,
) -> AuditEntry:
    entry = AuditEntry(
        at=at,
        person_id=person.id,
        user_id=user_id,
        chat_id=chat_id,
        command=command[:64],
        args=args[:MAX_ARGS],
        outcome=outcome[:32],
    )
    session.add(entry)
    return entry


async def entries_since(
    session: AsyncSession, since: datetime, person_key: str | None = None
) -> list[tuple[AuditEntry, Person | None]]:
    """Entries from `since` on, oldest first, optionally of one person (by their key)."""
    query = (
        select(AuditEntry, Person)
        .join(Person, col(Person.id) == AuditEntry.person_id, isouter=True)
        .where(col(AuditEntry.at) >= since)
    )
    if person_key is not None:
        query = query.where(Person.key == person_key)
    result = await session.execute(query.order_by(col(AuditEntry.at), col(AuditEntry.id)))
    return [(entry, person) for entry, person in result.all()]


async def run_once(session: AsyncSession, job: str, key: str, now: datetime) -> bool:
    """Claim (job, key) for this transaction; False when it was claimed before."""
    try:
        async with session.begin_nested():
            session.add(JobRun(job=job, key=key[:128], done_at=now))
    except IntegrityError:
        return False
    return True
