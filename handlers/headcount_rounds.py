"""Admins and officials run the daily headcount: /headcount_open [编码] [HH:MM] opens today's
round for a subtree, /headcount_status [编码] shows the roll-up and the grids still missing."""

from __future__ import annotations

import re

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.config import Settings
from core.timezone import CLOCK_TIME, chat_time, district_zone
from handlers.access import refusals
from handlers.common import reply
from handlers.headcount_messages import status_card
from handlers.work_scope import PRIVATE, pick_node
from models.access import ADMINS, Actor
from models.tree import Node, lineage_ids
from models.tree_service import ancestors_and_self, node_by_code, path_text
from templates import render
from work import headcount as hc
from work.scope import counting_grids

HHMM = re.compile(r"^([01]?\d|2[0-3])[:：]([0-5]\d)$")


async def cmd_open(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    actor: Actor,
) -> None:
    actor.require()
    person = actor.require(ADMINS, "not_opener")
    words = (command.args or "").split()
    times = [m for m in (HHMM.match(w) for w in words) if m]
    codes = [w for w in words if not HHMM.match(w)]
    if len(times) > 1 or len(codes) > 1:
        reply(session, message, render("headcount_refused", reason="usage_open"))
        return
    tz, now = district_zone(settings), clock.now()
    hhmm = f"{int(times[0][1]):02d}:{times[0][2]}" if times else settings.work.headcount_deadline
    node, _rest = await pick_node(
        session, actor, " ".join(codes), "headcount_open", ADMINS, ADMINS
    )
    held, new = await hc.open_round_until(session, node, person, now, tz, hhmm)
    opened = render(
        "headcount_opened",
        new=new,
        path=path_text(await ancestors_and_self(session, node)),
        grids=len(await counting_grids(session, node)),
        deadline=chat_time(held.deadline_at, tz, CLOCK_TIME),
    )
    reply(session, message, opened)


async def cmd_status(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    actor: Actor,
) -> None:
    actor.require()
    code = (command.args or "").strip()
    view = await node_by_code(session, code) if code else actor.nodes()[0]
    view = actor.require_node(view, code=code)
    tz = district_zone(settings)
    held = await hc.status_round(session, view, clock.now(), tz)
    if held is None:
        path = path_text(await ancestors_and_self(session, view))
        reply(session, message, render("headcount_refused", reason="no_status", path=path))
        return
    if held.node_id not in lineage_ids(view.lineage):  # a round inside the view: show its node
        view = await session.get(Node, held.node_id) or view
    reply(session, message, await status_card(session, held, view, tz))


def get_router() -> Router:
    router = Router(name="headcount_rounds")
    worded = refusals("headcount_refused")
    router.message.register(cmd_open, Command("headcount_open"), PRIVATE, flags=worded)
    router.message.register(cmd_status, Command("headcount_status"), PRIVATE, flags=worded)
    return router
