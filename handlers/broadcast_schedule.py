"""定时发送 in the /broadcast flow: the time typed in district time, then the queued broadcast
(woken on time by its date job, bot/broadcast_jobs.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from broadcasts.access import may_broadcast
from broadcasts.date_jobs import DateJobs
from broadcasts.send_time import SendTimeError, parse_send_time
from broadcasts.service import BroadcastError, create_broadcast
from broadcasts.texts import SHOWN_TIME
from core.clock import Clock
from core.config import Settings
from core.timezone import district_zone
from handlers.common import AfterCommit, reply
from models.broadcasts import Broadcast
from models.tree import Node
from models.tree_service import person_by_telegram
from templates import render


async def on_when(
    message: Message,
    session: AsyncSession,
    state: FSMContext,
    clock: Clock,
    settings: Settings,
    after_commit: AfterCommit,
    scheduled_sends: DateJobs | None = None,
) -> None:
    """The time for 定时发送; anything unreadable or past is refused and asked again."""
    if message.from_user is None:
        return
    zone, now = district_zone(settings), clock.now()
    try:
        at = parse_send_time(message.text or "", now, zone)
    except SendTimeError as exc:
        shown_now = now.astimezone(zone).strftime(SHOWN_TIME)
        reply(
            session, message, render("broadcast_time_refused", problem=exc.problem, now=shown_now)
        )
        return
    data = await state.get_data()
    await state.clear()
    try:
        created = await create_draft(session, message.from_user.id, data, now, scheduled_at=at)
    except BroadcastError as exc:
        reply(session, message, render("broadcast_text_refused", error=exc))
        return
    if created is None or created.id is None:
        reply(session, message, render("broadcast_refused", reason="scope"))
        return
    if scheduled_sends is not None:
        jobs, broadcast_id = scheduled_sends, created.id
        after_commit.append(lambda: jobs.add(broadcast_id, at))
    shown = at.astimezone(zone).strftime(SHOWN_TIME)
    text = render(
        "broadcast_scheduled", id=created.id, at=shown, path=data["path"], total=created.total
    )
    reply(session, message, text)


async def create_draft(
    session: AsyncSession,
    user_id: int,
    data: dict[str, Any],
    now: datetime,
    scheduled_at: datetime | None = None,
) -> Broadcast | None:
    """The draft as a queued broadcast, if the user may still broadcast there."""
    node = await session.get(Node, data["node_id"])
    if node is None or node.id is None or not await may_broadcast(session, user_id, node):
        return None
    person = await person_by_telegram(session, user_id)
    return await create_broadcast(
        session,
        node_id=node.id,
        text=data["text"],
        photo=data.get("photo"),
        created_by=person.id if person else None,
        pin=bool(data.get("pin")),
        read_button=bool(data.get("read")),
        scheduled_at=scheduled_at,
        now=now,
    )
