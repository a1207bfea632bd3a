"""The grid worker's log in a private chat: /log, kind buttons when unrecognised, 转为工单."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from audit.log import AuditNote, run_once, staff_person
from channels.telegram.callbacks import WorkKindPick, WorkToTicket
from channels.telegram.keyboards import hazard_keyboard, kind_keyboard
from classify.reloading import ReloadingClassifier
from core.clock import Clock
from core.config import Settings
from core.timezone import district_zone
from handlers.common import answer, reply
from handlers.notices import Notifier
from handlers.work_scope import PRIVATE, Refused, edit, pick_node, staff_or_refuse
from models.people import Person
from models.tree import Node
from models.work import WorkKind, WorkLog
from templates import render
from tickets.policy import TicketPolicy
from work.hazards import HazardRefused, hazard_to_ticket
from work.worklog import found_hazard, logs_of, recognise_kind, record_log


async def cmd_log(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    audit: AuditNote,
) -> None:
    person = await staff_or_refuse(message, session, audit)
    if person is None:
        return
    words = (command.args or "").strip()
    if not words:
        local = clock.now().astimezone(district_zone(settings))
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        entries = await logs_of(session, person, midnight)
        reply(session, message, render("work_log_usage", entries=entries))
        return
    try:
        node, text = await pick_node(session, person, words, "work_refused", "log", free_text=True)
    except Refused as refused:
        audit.refused(refused.reason)
        reply(session, message, refused.text)
        return
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
    audit: AuditNote,
) -> None:
    """A kind for a /log the bot could not place; the text is the /log message it replied to."""
    person = await staff_person(session, query.from_user.id)
    original = query.message.reply_to_message if isinstance(query.message, Message) else None
    reason = _pick_refusal(query, original, person)
    if reason or original is None or person is None:
        audit.refused(reason)
        answer(query, render("work_refused", reason=reason), show_alert=True)
        return
    words = (original.text or "").partition(" ")[2].strip()
    try:
        node, text = await pick_node(session, person, words, "work_refused", "log", free_text=True)
    except Refused as refused:
        audit.refused(refused.reason)
        answer(query, refused.text, show_alert=True)
        return
    if not await run_once(
        session, "worklog_kind", f"{original.chat.id}:{original.message_id}", clock.now()
    ):
        answer(query, render("work_refused", reason="picked"))
        return
    _entry, saved, markup = await _save(session, person, node, callback_data.kind, text, clock)
    answer(query, render("work_log_answer", label=callback_data.kind.label))
    edit(session, query, saved, markup)  # the kind buttons go: a second press finds no button


def _pick_refusal(query: CallbackQuery, original: Message | None, person: Person | None) -> str:
    if person is None:
        return "not_staff"
    if original is None or not (original.text or "").startswith("/log"):
        return "expired"
    if original.from_user is None or original.from_user.id != query.from_user.id:
        return "not_author"
    return ""


async def on_to_ticket(
    query: CallbackQuery,
    callback_data: WorkToTicket,
    session: AsyncSession,
    clock: Clock,
    classifier: ReloadingClassifier,
    policy: TicketPolicy,
    notifier: Notifier,
    audit: AuditNote,
) -> None:
    now, user = clock.now(), query.from_user.id
    try:
        done = await hazard_to_ticket(
            session, callback_data.log_id, user, classifier.classify, policy, now
        )
    except HazardRefused as refused:
        audit.refused(refused.reason)
        answer(query, render("work_refused", reason=refused.reason), show_alert=True)
        return
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
    router.message.register(cmd_log, Command("log"), PRIVATE)
    router.callback_query.register(on_kind, WorkKindPick.filter())
    router.callback_query.register(on_to_ticket, WorkToTicket.filter())
    return router
