"""The rules of console logins: who gets a link, single use and expiry, sessions that end
after an idle time. No web framework here: the console (console/) and the bot's /console
command call these in their own transaction.
"""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from models.access import Actor, Refused
from models.logins import ConsoleLink, ConsoleSession, token_hash

TOKEN_BYTES = 32  # 43 URL-safe characters
# A session's last_seen_at is written at most this often (not on every page and fragment).
TOUCH_EVERY = timedelta(minutes=1)


class LinkProblem(enum.StrEnum):
    """Why a login link opened nothing (the reason of its Refused)."""

    unknown = "link_unknown"
    expired = "link_expired"
    used = "link_used"


@dataclass(frozen=True)
class OpenedSession:
    """A new session: the cookie's token (stored only as its hash) and the row."""

    cookie_token: str
    row: ConsoleSession


def issue_link(session: AsyncSession, actor: Actor, now: datetime, minutes: int) -> str:
    """A one-time login token for a staff member, valid `minutes`; else Refused("not_staff")."""
    person = actor.require()
    assert person.id is not None
    token = secrets.token_urlsafe(TOKEN_BYTES)
    expires = now + timedelta(minutes=minutes)
    session.add(
        ConsoleLink(
            token_hash=token_hash(token), person_id=person.id, created_at=now, expires_at=expires
        )
    )
    return token


async def check_link(session: AsyncSession, token: str, now: datetime) -> ConsoleLink:
    """The link, when it can still be used (nothing is marked); else Refused(LinkProblem)."""
    link = (
        await session.execute(
            select(ConsoleLink).where(ConsoleLink.token_hash == token_hash(token))
        )
    ).scalar_one_or_none()
    if link is None:
        raise Refused(LinkProblem.unknown)
    if link.used_at is not None:
        raise Refused(LinkProblem.used)
    if now >= link.expires_at:
        raise Refused(LinkProblem.expired)
    return link


async def redeem_link(session: AsyncSession, token: str, now: datetime) -> int:
    """The person a link was issued to, marking it used; Refused(LinkProblem) otherwise.

    The mark is one conditional UPDATE, so of two browsers opening the same link at once
    only one gets a session."""
    link = await check_link(session, token, now)
    marked = await session.execute(
        update(ConsoleLink)
        .where(col(ConsoleLink.id) == link.id, col(ConsoleLink.used_at).is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if marked.rowcount != 1:  # type: ignore[attr-defined]
        raise Refused(LinkProblem.used)
    return link.person_id


def open_session(session: AsyncSession, person_id: int, now: datetime) -> OpenedSession:
    cookie_token = secrets.token_urlsafe(TOKEN_BYTES)
    row = ConsoleSession(
        token_hash=token_hash(cookie_token),
        person_id=person_id,
        csrf_token=secrets.token_urlsafe(TOKEN_BYTES),
        created_at=now,
        last_seen_at=now,
    )
    session.add(row)
    return OpenedSession(cookie_token, row)


async def current_session(
    session: AsyncSession, cookie_token: str, now: datetime, idle_hours: int
) -> ConsoleSession | None:
    """The live session behind a cookie, touched; None when unknown, ended or idle too long
    (an idle one is ended here)."""
    row = (
        await session.execute(
            select(ConsoleSession).where(ConsoleSession.token_hash == token_hash(cookie_token))
        )
    ).scalar_one_or_none()
    if row is None or row.ended_at is not None:
        return None
    if now - row.last_seen_at >= timedelta(hours=idle_hours):
        row.ended_at = now
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
    return row


def end_session(row: ConsoleSession, now: datetime) -> None:
    """Log out: the cookie opens nothing any more."""
    row.ended_at = now
