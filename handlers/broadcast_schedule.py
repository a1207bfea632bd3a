"""定时发送 in the /broadcast flow: the time typed in district time, then the queued broadcast
(woken on time by its date job, bot/broadcast_jobs.py)."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from broadcasts.date_jobs import DateJobs
from broadcasts.drafts import create_draft
from broadcasts.send_time import SendTimeError, parse_send_time
from broadcasts.service import BroadcastError
from core.clock import Clock
from core.config import Settings
from core.timezone import DAY_AND_TIME, chat_time, district_zone
from handlers.common import AfterCommit, reply
from models.access import Actor
from models.broadcasts import Broadcast
from templates import render


async def on_when(
    message: Message,
    after_commit: AfterCommit,
    session: AsyncSession,
    state: FSMContext,
    clock: Clock,
    settings: Settings,
    actor: Actor,
    scheduled_sends: DateJobs | None = None,
) -> None:
    """The time for 定时发送; anything unreadable or past is refused and asked again."""
    if message.from_user is None:
        return
    zone, now = district_zone(settings), clock.now()
    at = _send_time_or_refusal(session, message, now, zone)
    if at is None:
        return
    data = await state.get_data()
    await state.clear()
    created = await _draft_or_refusal(session, message, actor, data, now, at)
    if created is None or created.id is None:
        return
    if scheduled_sends is not None:
        jobs, broadcast_id = scheduled_sends, created.id
        after_commit.append(lambda: jobs.add(broadcast_id, at))
    shown = chat_time(at, zone, DAY_AND_TIME)
    text = render(
        "broadcast_scheduled", id=created.id, at=shown, path=data["path"], total=created.total
    )
    reply(session, message, text)


def _send_time_or_refusal(
    session: AsyncSession, message: Message, now: datetime, zone: tzinfo
) -> datetime | None:
    """The time typed, or None after saying why it cannot be read (the draft waits)."""
    try:
        return parse_send_time(message.text or "", now, zone)
    except SendTimeError as exc:
        shown_now = chat_time(now, zone, DAY_AND_TIME)
        reply(
            session, message, render("broadcast_time_refused", problem=exc.problem, now=shown_now)
        )
        return None


async def _draft_or_refusal(
    session: AsyncSession,
    message: Message,
    actor: Actor,
    data: dict[str, Any],
    now: datetime,
    at: datetime,
) -> Broadcast | None:
    """The scheduled broadcast, or None after saying why its text was refused."""
    try:
        return await create_draft(session, actor, data, now, scheduled_at=at)
    except BroadcastError as exc:
        reply(session, message, render("broadcast_text_refused", error=exc))
        return None
