"""寻人联动: staff confirm the alert (DM button), /alert_update N, /found N (or the button);
the reporter may agree, in the group, that the alert shows their phone."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from broadcasts.pin_results import ALERT_RESULT
from channels.telegram.callbacks import AlertAction, alert_keyboard
from core.clock import Clock
from core.config import Settings
from handlers.access import refusals
from handlers.common import answer, reply, send, ticket_args
from handlers.notices import Notifier
from models.access import Actor
from models.tree import Level, Node
from templates import render
from tickets.alert_actions import post_alert_update, report_found
from tickets.alert_consent import agree_to_show_phone
from tickets.alert_texts import texts_for
from tickets.alerts import AlertDone, confirm_alert

USAGE = {"found": "/found 工单号 [找到的情况]", "alert_update": "/alert_update 工单号 新情况"}


async def _finish(
    done: AlertDone,
    session: AsyncSession,
    notifier: Notifier,
    now: datetime,
) -> None:
    """Tell the group what the workflow asks (the engine is woken after the commit)."""
    await notifier.publish(done.notices, now, session)


async def _answer(session: AsyncSession, action: str, done: AlertDone) -> str:
    """The confirmation for the person who acted."""
    if action == "confirm" and not done.fresh:
        return render("alert_action", action="already", t=done.ticket)
    if action == "confirm":
        assert done.alert is not None and done.broadcast is not None
        place = await session.get(Node, done.alert.node_id)
        return render(
            "alert_action",
            action="confirmed",
            t=done.ticket,
            place=place.name if place else "",
            groups=done.broadcast.total,
        )
    if action == "found":
        seconds = done.alert.found_seconds if done.alert else None
        if seconds is None and done.ticket.resolved_at is not None:
            seconds = int((done.ticket.resolved_at - done.ticket.created_at).total_seconds())
        return render(
            "alert_action",
            action="found",
            t=done.ticket,
            seconds=seconds or 0,
            alerted=done.broadcast is not None,
        )
    if action == "consent":
        return render("alert_action", action="consented" if done.fresh else "consented_before")
    return render("alert_action", action="updated", t=done.ticket)


async def on_alert_button(
    query: CallbackQuery,
    callback_data: AlertAction,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    notifier: Notifier,
    actor: Actor,
) -> None:
    number, user, now = callback_data.ticket_id, query.from_user.id, clock.now()
    texts, action = texts_for(settings), callback_data.action
    if action == "confirm":
        level = Level(settings.tickets.alert_level)
        done = await confirm_alert(session, number, actor, level, texts, now)
    elif action == "found":
        done = await report_found(session, number, actor, "", texts, now)
    else:
        done = await agree_to_show_phone(session, number, user, texts, now)
    await _finish(done, session, notifier, now)
    text = await _answer(session, action, done)
    if action == "consent" or not done.fresh:
        answer(query, text)
        return
    answer(query)
    # Staff keep a message: the follow-up commands and the 已找到 button, or the time it took.
    markup = alert_keyboard(number, "found") if action == "confirm" else None
    send(session, user, text, reply_markup=markup, **_result_of(done))


async def cmd_alert(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    notifier: Notifier,
    actor: Actor,
) -> None:
    """/found N [情况] and /alert_update N 新情况."""
    if message.from_user is None:
        return
    name = command.command.lower()
    parsed = ticket_args(command, needs_text=name == "alert_update")
    if parsed is None:
        reply(session, message, render("ticket_usage", usage=USAGE[name]))
        return
    (number, text), now = parsed, clock.now()
    texts = texts_for(settings)
    if name == "found":
        done = await report_found(session, number, actor, text, texts, now)
    else:
        done = await post_alert_update(session, number, actor, text, texts, now)
    await _finish(done, session, notifier, now)
    text = await _answer(session, name if name == "found" else "update", done)
    reply(session, message, text, **(_result_of(done) if name == "found" else {}))


def _result_of(done: AlertDone) -> dict[str, Any]:
    """A confirmation that waits for its broadcast: the pin's outcome is appended to it once
    every copy has been tried (broadcasts/pin_results.py); nothing is promised before."""
    if done.broadcast is None or done.broadcast.id is None:
        return {}
    return {"purpose": ALERT_RESULT, "ref_id": done.broadcast.id}


def get_router() -> Router:
    router = Router(name="alerts")
    worded = refusals("alert_refused")
    router.message.register(cmd_alert, Command(*USAGE), flags=worded)
    router.callback_query.register(on_alert_button, AlertAction.filter(), flags=worded)
    return router
