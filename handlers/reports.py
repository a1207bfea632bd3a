"""Residents report in their group: plain messages, /report, photos; they rate the result."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from channels.telegram.callbacks import RateTicket, alert_keyboard
from classify.cli import SupportsClassify
from classify.extract import mask_phones
from core.clock import Clock
from handlers.common import GROUP_CHATS, answer, edit_buttons, reply, send
from handlers.notices import Notifier
from models.tree import Node
from templates import render
from tickets.alert_consent import offers_phone_consent
from tickets.delivery import TICKET_REPLY
from tickets.feedback import RatingOutcome, rate
from tickets.opening import Opening, Outcome, Report, report_message
from tickets.policy import TicketPolicy
from tickets.routing import GRID_LEVELS


def _report(message: Message, text: str, explicit: bool) -> Report:
    user = message.from_user
    assert user is not None
    photos = (message.photo[-1].file_id,) if message.photo else ()
    replied = message.reply_to_message
    return Report(
        chat_id=message.chat.id,
        reporter_user_id=user.id,
        reporter_name=user.full_name,
        text=text,
        message_id=message.message_id,
        photos=photos,
        explicit=explicit,
        reply_to_message_id=replied.message_id
        if replied and replied.from_user and replied.from_user.is_bot
        else None,
    )


async def _handle(
    message: Message,
    report: Report,
    session: AsyncSession,
    clock: Clock,
    classifier: SupportsClassify,
    policy: TicketPolicy,
    notifier: Notifier,
) -> Opening:
    now = clock.now()
    opening = await report_message(session, report, classifier.classify(report.text), policy, now)
    ticket = opening.ticket
    if opening.outcome is Outcome.opened and ticket is not None and opening.route is not None:
        await answer_opened(session, message.chat.id, message.message_id, opening, policy)
        await notifier.publish(opening.notices, now, session)
    elif opening.outcome is Outcome.review:
        await notifier.publish(opening.notices, now, session)  # staff only: no group reply
    elif opening.outcome is Outcome.added and ticket is not None:
        reply(session, message, render("ticket_added", t=ticket))
    elif opening.outcome is Outcome.linked and ticket is not None:
        reply(session, message, render("ticket_linked", t=ticket))
    return opening


async def answer_opened(
    session: AsyncSession,
    chat_id: int,
    reply_to: int | None,
    opening: Opening,
    policy: TicketPolicy,
) -> None:
    """已登记: the number, who handles it and by when; replies to this answer join the ticket.
    Also said when staff turn a review into a ticket (the group learns then)."""
    ticket = opening.ticket
    assert opening.route is not None and ticket is not None
    level = await session.get(Node, opening.route.node.id)
    deadline = policy.deadline(ticket.category, ticket.priority)
    consent = offers_phone_consent(ticket)  # missing person: may the alert show the phone?
    text = render(
        "ticket_opened",
        t=ticket,
        quote=mask_phones(ticket.text),
        # Residents read this: the grid's workers by name (as /whereami shows them), others
        # by their place; nobody reachable is said as such.
        handlers=(
            "、".join(p.name for p in opening.route.recipients)
            if opening.route.node.level in GRID_LEVELS
            else ""
        ),
        level=level.name if level else "",
        reached=not opening.route.nobody,
        alerted=opening.alerted,
        claim_minutes=int(deadline.claim.total_seconds() // 60),
        consent=consent,
    )
    markup = alert_keyboard(ticket.id or 0, "consent") if consent else None
    send(
        session,
        chat_id,
        text,
        reply_markup=markup,
        reply_to_message_id=reply_to,
        purpose=TICKET_REPLY,
        ref_id=ticket.id,
    )


async def on_group_message(
    message: Message,
    session: AsyncSession,
    clock: Clock,
    classifier: SupportsClassify,
    policy: TicketPolicy,
    notifier: Notifier,
) -> None:
    text = message.text or message.caption or ""
    if message.from_user is None or message.from_user.is_bot or not text.strip():
        return
    report = _report(message, text, explicit=bool(message.photo))
    await _handle(message, report, session, clock, classifier, policy, notifier)


async def cmd_report(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    clock: Clock,
    classifier: SupportsClassify,
    policy: TicketPolicy,
    notifier: Notifier,
) -> None:
    text = (command.args or "").strip()
    if not text or message.from_user is None:
        reply(session, message, render("report_usage"))
        return
    opening = await _handle(
        message,
        _report(message, text, explicit=True),
        session,
        clock,
        classifier,
        policy,
        notifier,
    )
    if opening.outcome is Outcome.unbound:
        reply(session, message, render("report_unbound"))


async def on_rating(
    query: CallbackQuery,
    callback_data: RateTicket,
    session: AsyncSession,
    clock: Clock,
    policy: TicketPolicy,
    notifier: Notifier,
) -> None:
    now = clock.now()
    rated = await rate(
        session, callback_data.ticket_id, query.from_user.id, callback_data.rating, now, policy
    )
    await notifier.publish(rated.notices, now, session)
    if rated.outcome is not RatingOutcome.not_reporter and isinstance(query.message, Message):
        edit_buttons(session, query.message, None)  # rated (now or before): no more buttons
    answer(
        query,
        render("ticket_rated", outcome=rated.outcome.value, rating=callback_data.rating.label),
    )


def get_router() -> Router:
    router = Router(name="reports")
    in_group = F.chat.type.in_(GROUP_CHATS)
    router.message.register(cmd_report, Command("report"), in_group)
    router.message.register(on_group_message, in_group, F.text & ~F.text.startswith("/"))
    router.message.register(on_group_message, in_group, F.photo, F.caption)
    router.callback_query.register(on_rating, RateTicket.filter())
    return router
