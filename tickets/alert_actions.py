"""最新情况 and 已找到 as any front end takes them: the alert workflow (tickets.alerts) plus the
reporter's group told in the same transaction. The chat (/alert_update, /found, the 已找到
button) and the console call these, so both leave the same rows: the ticket's events, the
`edit` broadcast of every copy, the group's outbox line. The caller commits, then wakes the
broadcast engine for `done.broadcast`, and records the audit entry (ok, or refused:<reason>
from the `Refused` raised here: tickets.alerts.AlertRefusal, tickets.access.Refusal).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from models.access import Actor
from models.tickets import Ticket
from tickets.alert_facts import AlertTexts
from tickets.alerts import AlertDone, mark_found, update_alert
from tickets.events import TellGroup
from tickets.group_notices import tell_group


async def post_alert_update(
    session: AsyncSession,
    number: int,
    who: Actor | int,
    news: str,
    texts: AlertTexts,
    now: datetime,
) -> AlertDone:
    """Add 最新情况 to ticket `number`'s alert: every copy is edited (a queued edit broadcast)."""
    done = await update_alert(session, number, who, news, texts, now)
    await _tell_groups(session, done)
    return done


async def report_found(
    session: AsyncSession,
    number: int,
    who: Actor | int,
    note: str,
    texts: AlertTexts,
    now: datetime,
) -> AlertDone:
    """已找到: resolve the ticket, edit every copy to 已找到 (pins lifted), tell the group."""
    done = await mark_found(session, number, who, note, texts, now)
    await _tell_groups(session, done)
    return done


async def _tell_groups(session: AsyncSession, done: AlertDone) -> None:
    """Write the group lines now; `done.notices` keeps only what is left for the caller."""
    for notice in done.notices:
        if isinstance(notice, TellGroup):
            ticket = await session.get(Ticket, notice.ticket_id)
            if ticket is not None:
                await tell_group(session, ticket, notice)
    done.notices = [n for n in done.notices if not isinstance(n, TellGroup)]
