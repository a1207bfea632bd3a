"""Staff answer 可能需要关注 (转为工单 / 改为其他类别 / 忽略 / 误报) and correct the classifier on
a ticket notice (误报 / 改类别). Only staff covering the message's grid may act: the domain
raises Refused and bot/middlewares.AccessMiddleware answers it."""

from __future__ import annotations

from datetime import datetime

from aiogram import Router
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from channels.telegram.callbacks import (
    ReviewAction,
    ReviewCategory,
    TicketCategory,
    TicketMark,
    category_keyboard,
    staff_keyboard,
)
from core.clock import Clock
from core.vocabulary import Category
from handlers.access import refusals
from handlers.common import answer, edit, edit_buttons
from handlers.notices import Notifier
from handlers.reports import answer_opened
from models.access import Actor
from models.reviews import Review
from templates import render
from tickets.access import ticket_for_staff
from tickets.marks import mark_ticket
from tickets.policy import TicketPolicy
from tickets.review_decisions import convert_review, false_alarm_review
from tickets.reviews import ignore_review, require_pending, review_for_staff
from tickets.staff_actions import close_as_false_alarm


async def _close_notice(
    session: AsyncSession, query: CallbackQuery, notifier: Notifier, review: Review, outcome: str
) -> None:
    """The pressed notice keeps the message and says what became of it; its buttons go."""
    if isinstance(query.message, Message):
        text = await notifier.review_text(session, review)
        edit(session, query.message, f"{text}\n\n{outcome}", reply_markup=None)


async def _convert(
    query: CallbackQuery,
    review_id: int,
    category: Category | None,
    session: AsyncSession,
    now: datetime,
    policy: TicketPolicy,
    notifier: Notifier,
    actor: Actor,
) -> None:
    """A normal ticket: the group's 已登记 reply (the group learns now) and the staff notices."""
    done = await convert_review(session, review_id, actor, category, policy, now)
    ticket, told = done.opening.ticket, done.group.active
    if told:
        reply_to = done.review.source_message_id
        await answer_opened(session, done.group.chat_id, reply_to, done.opening, policy)
    await notifier.publish(done.opening.notices, now, session)
    outcome = render("review_action", action="converted", t=ticket, told=told)
    answer(query, outcome)
    await _close_notice(session, query, notifier, done.review, outcome)


async def on_review_button(
    query: CallbackQuery,
    callback_data: ReviewAction,
    session: AsyncSession,
    clock: Clock,
    policy: TicketPolicy,
    notifier: Notifier,
    actor: Actor,
) -> None:
    number, now, action = callback_data.review_id, clock.now(), callback_data.action
    if action == "open":
        await _convert(query, number, None, session, now, policy, notifier, actor)
        return
    if action == "relabel":
        review, _person = await review_for_staff(session, number, actor)
        require_pending(review)
        if isinstance(query.message, Message):
            picker = category_keyboard(current=review.category, review_id=number)
            edit_buttons(session, query.message, picker)
        answer(query, render("review_action", action="pick"))
        return
    if action == "ignore":
        review, person = await ignore_review(session, number, actor, now)
    else:
        review, person = await false_alarm_review(session, number, actor, now)
    said = "ignored" if action == "ignore" else "false"
    outcome = render("review_action", action=said, who=person.name)
    answer(query, outcome)
    await _close_notice(session, query, notifier, review, outcome)


async def on_review_category(
    query: CallbackQuery,
    callback_data: ReviewCategory,
    session: AsyncSession,
    clock: Clock,
    policy: TicketPolicy,
    notifier: Notifier,
    actor: Actor,
) -> None:
    """改为 X: a ticket of category X, and a mark on the classifier's guess."""
    await _convert(
        query,
        callback_data.review_id,
        callback_data.category,
        session,
        clock.now(),
        policy,
        notifier,
        actor,
    )


async def on_ticket_mark(
    query: CallbackQuery,
    callback_data: TicketMark,
    session: AsyncSession,
    clock: Clock,
    policy: TicketPolicy,
    notifier: Notifier,
    actor: Actor,
) -> None:
    number, now = callback_data.ticket_id, clock.now()
    if callback_data.action == "recategorise":
        current = await _ticket_category(session, number, actor)
        if isinstance(query.message, Message):
            picker = category_keyboard(current=current, ticket_id=number)
            edit_buttons(session, query.message, picker)
        answer(query, render("review_action", action="pick"))
        return
    marked = await close_as_false_alarm(session, number, actor, now, policy, notifier)
    told = bool(marked.notices)
    text = render(
        "review_action", action="ticket_false", t=marked.ticket, changed=marked.changed, told=told
    )
    answer(query, text)
    if marked.changed and isinstance(query.message, Message):
        edit_buttons(session, query.message, None)


async def _ticket_category(session: AsyncSession, number: int, actor: Actor) -> Category:
    ticket, _person = await ticket_for_staff(session, number, actor)
    return ticket.category


async def on_ticket_category(
    query: CallbackQuery,
    callback_data: TicketCategory,
    session: AsyncSession,
    clock: Clock,
    policy: TicketPolicy,
    actor: Actor,
) -> None:
    category, now = callback_data.category, clock.now()
    marked = await mark_ticket(session, callback_data.ticket_id, actor, category, now, policy)
    ticket = marked.ticket
    text = render(
        "review_action",
        action="ticket_recategorised",
        t=ticket,
        category=category,
        changed=marked.changed,
    )
    answer(query, text)
    if isinstance(query.message, Message):
        alert = ticket.category is Category.MISSING_PERSON
        edit_buttons(session, query.message, staff_keyboard(ticket.id or 0, alert=alert))


def get_router() -> Router:
    router = Router(name="reviews")
    router.callback_query.register(
        on_review_button, ReviewAction.filter(), flags=refusals("review_refused")
    )
    router.callback_query.register(
        on_review_category, ReviewCategory.filter(), flags=refusals("review_refused")
    )
    router.callback_query.register(
        on_ticket_mark, TicketMark.filter(), flags=refusals("mark_refused")
    )
    router.callback_query.register(
        on_ticket_category, TicketCategory.filter(), flags=refusals("mark_refused")
    )
    return router
