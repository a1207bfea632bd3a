"""定时发送 in the /broadcast flow: the time typed in district time, then the queued broadcast
(woken on time by its date job, bot/broadcast_jobs.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from broadcasts.date_jobs import DateJobs
from broadcasts.send_time import SendTimeError, parse_send_time
from broadcasts.service import BroadcastError, create_broadcast
from broadcasts.texts import SHOWN_TIME
from core.clock import Clock
from core.config import Settings
from core.timezone import district_zone
from handlers.common import AfterCommit, reply
from models.access import ADMINS, Actor
from models.broadcasts import Broadcast
from models.tree import Node
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
        created = await create_draft(session, actor, data, now, scheduled_at=at)
    except BroadcastError as exc:
        reply(session, message, render("broadcast_text_refused", error=exc))
        return
    assert created.id is not None
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
    actor: Actor,
    data: dict[str, Any],
    now: datetime,
    scheduled_at: datetime | None = None,
) -> Broadcast:
    """The draft as a queued broadcast, if the actor may still broadcast there; else
    Refused("scope")."""
    node = actor.require_node(await session.get(Node, data["node_id"]), ADMINS)
    assert node.id is not None
    return await create_broadcast(
        session,
        node_id=node.id,
        text=data["text"],
        photo=data.get("photo"),
        created_by=actor.person.id if actor.person else None,
        pin=bool(data.get("pin")),
        read_button=bool(data.get("read")),
        scheduled_at=scheduled_at,
        now=now,
    )
