"""Officials manage their broadcasts in a private chat: /scheduled, /cancel_broadcast N,
/broadcast_report N (composing is handlers/broadcast_compose.py, polls handlers/polls.py)."""

from __future__ import annotations

from datetime import tzinfo

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from broadcasts.date_jobs import DateJobs
from broadcasts.management import (
    Access,
    Cancelled,
    CancelOutcome,
    cancel_for,
    queued_scheduled,
    visible_broadcast,
)
from broadcasts.texts import report_text
from channels.telegram.callbacks import ScheduledCancel, scheduled_keyboard
from core.clock import Clock
from core.config import Settings
from core.timezone import DAY_AND_TIME, chat_time, district_zone
from handlers.access import refusals
from handlers.common import AfterCommit, answer, edit, reply
from models.access import ADMINS, Actor, Refused
from models.tree import Node
from models.tree_service import ancestors_and_self, path_text
from templates import render

PRIVATE = F.chat.type == "private"
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
                "at": chat_time(b.scheduled_at, zone, DAY_AND_TIME),
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
    zone = district_zone(settings)
    text, markup = await scheduled_list(session, actor, zone)
    reply(session, message, text, reply_markup=markup)


async def on_unschedule(
    query: CallbackQuery,
    after_commit: AfterCommit,
    callback_data: ScheduledCancel,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    actor: Actor,
    scheduled_sends: DateJobs | None = None,
) -> None:
    """取消 under /scheduled: cancel it, say how it went, refresh the list."""
    number = callback_data.broadcast_id
    done = _allowed(await cancel_for(session, actor, number, clock.now()))
    _after_cancel(done.outcome, number, after_commit, scheduled_sends)
    answer(
        query, render("broadcast_cancel_result", outcome=done.outcome, id=number, c=done.counts)
    )
    if isinstance(query.message, Message):
        zone = district_zone(settings)
        text, markup = await scheduled_list(session, actor, zone)
        edit(session, query.message, text, reply_markup=markup)


async def cmd_cancel_broadcast(
    message: Message,
    after_commit: AfterCommit,
    command: CommandObject,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    scheduled_sends: DateJobs | None = None,
) -> None:
    if message.from_user is None:
        return
    number = broadcast_number(command)
    if number is None:
        reply(session, message, render("ticket_usage", usage=USAGE["cancel_broadcast"]))
        return
    actor.require(ADMINS, "role")
    done = _allowed(await cancel_for(session, actor, number, clock.now()))
    _after_cancel(done.outcome, number, after_commit, scheduled_sends)
    text = render("broadcast_cancel_result", outcome=done.outcome, id=number, c=done.counts)
    reply(session, message, text)


def _allowed(done: Cancelled) -> Cancelled:
    if done.outcome is CancelOutcome.refused:
        raise Refused("scope", what="群发", number=done.broadcast_id)
    return done


def _after_cancel(
    outcome: CancelOutcome,
    number: int,
    after_commit: AfterCommit,
    scheduled_sends: DateJobs | None,
) -> None:
    """A cancelled broadcast loses its date job once the cancellation is committed."""
    if outcome not in {CancelOutcome.cancelled, CancelOutcome.stopped}:
        return
    if scheduled_sends is not None:
        jobs = scheduled_sends
        after_commit.append(lambda: jobs.remove(number))


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
        reply(session, message, render("ticket_usage", usage=USAGE["broadcast_report"]))
        return
    actor.require(ADMINS, "role")
    access, broadcast = await visible_broadcast(session, actor, number)
    if access is Access.refused:
        raise Refused("scope", what="群发", number=number)
    if broadcast is None or broadcast.id is None:
        reply(session, message, render("broadcast_not_found", what="群发", id=number))
        return
    zone = district_zone(settings)
    reply(session, message, await report_text(session, broadcast.id, zone))


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
