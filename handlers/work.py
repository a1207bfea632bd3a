"""The grid worker's log in a private chat: /log, kind buttons when unrecognised, 转为工单."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from audit.log import run_once
from channels.telegram.callbacks import WorkKindPick, WorkToTicket
from channels.telegram.keyboards import hazard_keyboard, kind_keyboard
from classify.reloading import ReloadingClassifier
from core.clock import Clock
from core.config import Settings
from core.timezone import district_zone
from handlers.access import refusals
from handlers.common import answer, reply
from handlers.notices import Notifier
from handlers.work_scope import PRIVATE, edit, pick_node
from models.access import Actor, Refused
from models.people import Person
from models.tree import Node
from models.work import WorkKind, WorkLog
from templates import render
from tickets.policy import TicketPolicy
from work.hazards import hazard_to_ticket
from work.worklog import found_hazard, logs_of, recognise_kind, record_log


async def cmd_log(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    actor: Actor,
) -> None:
    person = actor.require()
    words = (command.args or "").strip()
    if not words:
        local = clock.now().astimezone(district_zone(settings))
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        entries = await logs_of(session, person, midnight)
        reply(session, message, render("work_log_usage", entries=entries))
        return
    node, text = await pick_node(session, actor, words, "log", free_text=True)
    kind = recognise_kind(text)
    if kind is None:
        reply(session, message, render("work_log_pick", text=text), reply_markup=kind_keyboard())
        return
    _entry, saved, markup = await _save(session, person, node, kind, text, clock)
    reply(session, message, saved, reply_markup=markup)


async def _save(
    session: AsyncSession, person: Person, node: Node, kind: WorkKind, text: str, clock: Clock
) -> tuple[WorkLog, str, InlineKeyboardMarkup | None]:
    entry = await record_log(session, person, node, kind, text, clock.now())
    hazard = found_hazard(text, kind)
    saved = render("work_log_saved", entry=entry, node=node.name, hazard=hazard, ticket=None)
    return entry, saved, hazard_keyboard(entry.id or 0) if hazard else None


async def on_kind(
    query: CallbackQuery,
    callback_data: WorkKindPick,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
) -> None:
    """A kind for a /log the bot could not place; the text is the /log message it replied to."""
    person = actor.require()
    original = _original_log(query)
    words = (original.text or "").partition(" ")[2].strip()
    node, text = await pick_node(session, actor, words, "log", free_text=True)
    if not await run_once(
        session, "worklog_kind", f"{original.chat.id}:{original.message_id}", clock.now()
    ):
        answer(query, render("work_refused", reason="picked"))
        return
    _entry, saved, markup = await _save(session, person, node, callback_data.kind, text, clock)
    answer(query, render("work_log_answer", label=callback_data.kind.label))
    edit(session, query, saved, markup)  # the kind buttons go: a second press finds no button


def _original_log(query: CallbackQuery) -> Message:
    """The /log message the pressed kind buttons answered, sent by the presser."""
    original = query.message.reply_to_message if isinstance(query.message, Message) else None
    if original is None or not (original.text or "").startswith("/log"):
        raise Refused("expired")
    if original.from_user is None or original.from_user.id != query.from_user.id:
        raise Refused("not_author")
    return original


async def on_to_ticket(
    query: CallbackQuery,
    callback_data: WorkToTicket,
    session: AsyncSession,
    clock: Clock,
    classifier: ReloadingClassifier,
    policy: TicketPolicy,
    notifier: Notifier,
    actor: Actor,
) -> None:
    now = clock.now()
    done = await hazard_to_ticket(
        session, callback_data.log_id, actor, classifier.classify, policy, now
    )
    opening, handlers = done.opening, ""
    if opening is not None:
        await notifier.publish(opening.notices, now, session)
        handlers = "、".join(p.name for p in opening.route.recipients) if opening.route else ""
    outcome = opening.outcome.value if opening is not None else "already"
    answer(query, render("work_ticket", outcome=outcome, t=done.ticket, handlers=handlers))
    node = await session.get(Node, done.entry.node_id)
    name = node.name if node else ""
    saved = render("work_log_saved", entry=done.entry, node=name, hazard=True, ticket=done.ticket)
    edit(session, query, saved, None)


def get_router() -> Router:
    router = Router(name="work")
    worded = refusals("work_refused")
    router.message.register(cmd_log, Command("log"), PRIVATE, flags=worded)
    router.callback_query.register(on_kind, WorkKindPick.filter(), flags=worded)
    router.callback_query.register(on_to_ticket, WorkToTicket.filter(), flags=worded)
    return router
