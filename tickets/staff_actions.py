"""The staff actions on a ticket as any front end takes them: the action (tickets/actions.py,
tickets/marks.py: the change, its history and the daily totals) and the notices it asks for,
written to the outbox in the same transaction. The chat's commands and buttons call these, so
a web console that calls them sends the group and the staff exactly what the chat would; the
front end adds only its own reply (and its audit line).

The notices are worded by a `NoticeWriter` the front end is given at start-up: the bot's
handlers.notices.Notifier (staff notices carry the chat's buttons, so it lives with them).
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from core.vocabulary import Category
from models.access import Actor
from tickets import actions
from tickets.actions import Done
from tickets.events import Notice
from tickets.marks import Marked, mark_ticket
from tickets.policy import TicketPolicy


class NoticeWriter(Protocol):
    async def publish(
        self, notices: list[Notice], now: datetime, session: AsyncSession | None = None
    ) -> None: ...


async def claim_ticket(
    session: AsyncSession,
    number: int,
    who: Actor,
    now: datetime,
    policy: TicketPolicy,
    writer: NoticeWriter,
) -> Done:
    """接单."""
    return await _told(
        await actions.claim(session, number, who, now, policy), now, session, writer
    )


async def note_ticket(
    session: AsyncSession, number: int, who: Actor, text: str, now: datetime, writer: NoticeWriter
) -> Done:
    """备注 (tells nobody; kept here so every action has one entry point)."""
    return await _told(
        await actions.add_note(session, number, who, text, now), now, session, writer
    )


async def resolve_ticket(
    session: AsyncSession,
    number: int,
    who: Actor,
    text: str,
    photos: tuple[str, ...],
    now: datetime,
    policy: TicketPolicy,
    writer: NoticeWriter,
) -> Done:
    """办结: the group is told and the reporter asked for a rating."""
    done = await actions.resolve(session, number, who, text, photos, now, policy)
    return await _told(done, now, session, writer)


async def transfer_ticket(
    session: AsyncSession,
    number: int,
    who: Actor,
    code: str,
    now: datetime,
    policy: TicketPolicy,
    writer: NoticeWriter,
) -> Done:
    """转办 to a node the actor also covers; its staff are told."""
    done = await actions.transfer(session, number, who, code, now, policy)
    return await _told(done, now, session, writer)


async def escalate_ticket(
    session: AsyncSession,
    number: int,
    who: Actor,
    reason: str,
    now: datetime,
    policy: TicketPolicy,
    writer: NoticeWriter,
) -> Done:
    """上报 one level up; that level's staff and the group are told."""
    done = await actions.escalate(session, number, who, reason, now, policy)
    return await _told(done, now, session, writer)


async def close_as_false_alarm(
    session: AsyncSession,
    number: int,
    who: Actor,
    now: datetime,
    policy: TicketPolicy,
    writer: NoticeWriter,
) -> Marked:
    """误报: the chat's way for staff to close a ticket (tickets/marks.py); the group is told."""
    marked = await mark_ticket(session, number, who, Category.NONE, now, policy)
    await writer.publish(marked.notices, now, session)
    return marked


async def _told(done: Done, now: datetime, session: AsyncSession, writer: NoticeWriter) -> Done:
    await writer.publish(done.notices, now, session)
    return done
