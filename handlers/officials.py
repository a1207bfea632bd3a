"""Officials manage their broadcasts in a private chat: /scheduled, /cancel_broadcast N,
/broadcast_report N (composing is handlers/broadcast_compose.py, polls handlers/polls.py)."""

from __future__ import annotations

import logging
from datetime import tzinfo
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast_jobs import ScheduledSends
from broadcasts import BroadcastEngine
from broadcasts.management import (
    Access,
    Cancelled,
    CancelOutcome,
    cancel_for,
    queued_scheduled,
    visible_broadcast,
)
from broadcasts.texts import SHOWN_TIME, report_text
from channels.telegram.callbacks import ScheduledCancel, scheduled_keyboard
from core.clock import Clock
from core.config import Settings
from handlers.access import refusals
from handlers.common import reply
from models.access import ADMINS, Actor, Refused
from models.tree import Node
from models.tree_service import ancestors_and_self, path_text
from templates import render

PRIVATE = F.chat.type == "private"
log = logging.getLogger("gridbot.broadcasts")
USAGE = {
    "cancel_broadcast": "/cancel_broadcast 群发编号",
    "broadcast_report": "/broadcast_report 群发编号",
}


def broadcast_number(command: CommandObject) -> int | None:
    """The N of `/command N` (also `#N`); None if missing or not a number."""
    arg = (command.args or "").strip().lstrip("#")
    return int(arg) if arg.isdigit() and len(arg) < 12 else None


async def scheduled_list(
    session: AsyncSession, actor: Actor, zone: tzinfo
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The /scheduled text and its 取消 buttons for the actor's subtree."""
    waiting = await queued_scheduled(session, actor.nodes(ADMINS))
    items = []
    for b in waiting:
        node = await session.get(Node, b.node_id)
        assert b.scheduled_at is not None and node is not None
        items.append(
            {
                "id": b.id,
                "at": b.scheduled_at.astimezone(zone).strftime(SHOWN_TIME),
                "path": path_text(await ancestors_and_self(session, node)),
                "total": b.total,
                "pin": b.pin,
                "read": b.read_button,
                "text": (b.text.splitlines() or ["（图片）"])[0][:40],
            }
        )
    markup = scheduled_keyboard([b.id for b in waiting if b.id is not None]) if items else None
    return render("broadcast_scheduled_list", items=items), markup


async def cmd_scheduled(
    message: Message, session: AsyncSession, settings: Settings, actor: Actor
) -> None:
    actor.require(ADMINS, "role")
    zone = ZoneInfo(settings.tickets.timezone)
    text, markup = await scheduled_list(session, actor, zone)
    await reply(message, text, reply_markup=markup)


async def on_unschedule(
    query: CallbackQuery,
    callback_data: ScheduledCancel,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    broadcasts: BroadcastEngine,
    actor: Actor,
    scheduled_sends: ScheduledSends | None = None,
) -> None:
    """取消 under /scheduled: cancel it, say how it went, refresh the list."""
    number = callback_data.broadcast_id
    done = _allowed(await cancel_for(session, actor, number, clock.now()))
    await _after_cancel(session, done.outcome, number, broadcasts, scheduled_sends)
    await query.answer(
        render("broadcast_cancel_result", outcome=done.outcome, id=number, c=done.counts)
    )
    if isinstance(query.message, Message):
        zone = ZoneInfo(settings.tickets.timezone)
        text, markup = await scheduled_list(session, actor, zone)
        try:
            await query.message.edit_text(text, reply_markup=markup)
        except (TelegramAPIError, TelegramNetworkError) as exc:  # e.g. "not modified"
            log.info("scheduled list not refreshed: %s", exc)


async def cmd_cancel_broadcast(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    clock: Clock,
    broadcasts: BroadcastEngine,
    actor: Actor,
    scheduled_sends: ScheduledSends | None = None,
) -> None:
    if message.from_user is None:
        return
    number = broadcast_number(command)
    if number is None:
        await reply(message, render("ticket_usage", usage=USAGE["cancel_broadcast"]))
        return
    actor.require(ADMINS, "role")
    done = _allowed(await cancel_for(session, actor, number, clock.now()))
    await _after_cancel(session, done.outcome, number, broadcasts, scheduled_sends)
    text = render("broadcast_cancel_result", outcome=done.outcome, id=number, c=done.counts)
    await reply(message, text)


def _allowed(done: Cancelled) -> Cancelled:
    if done.outcome is CancelOutcome.refused:
        raise Refused("scope", what="群发", number=done.broadcast_id)
    return done


async def _after_cancel(
    session: AsyncSession,
    outcome: CancelOutcome,
    number: int,
    broadcasts: BroadcastEngine,
    scheduled_sends: ScheduledSends | None,
) -> None:
    if outcome not in {CancelOutcome.cancelled, CancelOutcome.stopped}:
        return
    await session.commit()  # before the engine looks again from its own sessions
    if scheduled_sends is not None:
        scheduled_sends.remove(number)
    broadcasts.notify()


async def cmd_broadcast_report(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    settings: Settings,
    actor: Actor,
) -> None:
    """Delivery figures and 已阅 counts, rolled up by child node of the target, worst first."""
    if message.from_user is None:
        return
    number = broadcast_number(command)
    if number is None:
        await reply(message, render("ticket_usage", usage=USAGE["broadcast_report"]))
        return
    actor.require(ADMINS, "role")
    access, broadcast = await visible_broadcast(session, actor, number)
    if access is Access.refused:
        raise Refused("scope", what="群发", number=number)
    if broadcast is None or broadcast.id is None:
        await reply(message, render("broadcast_not_found", what="群发", id=number))
        return
    zone = ZoneInfo(settings.tickets.timezone)
    await reply(message, await report_text(session, broadcast.id, zone))


def get_router() -> Router:
    router = Router(name="officials")
    worded = refusals("broadcast_refused")
    router.message.register(cmd_scheduled, Command("scheduled"), PRIVATE, flags=worded)
    router.message.register(
        cmd_cancel_broadcast, Command("cancel_broadcast"), PRIVATE, flags=worded
    )
    router.message.register(
        cmd_broadcast_report, Command("broadcast_report"), PRIVATE, flags=worded
    )
    router.callback_query.register(on_unschedule, ScheduledCancel.filter(), flags=worded)
    return router
