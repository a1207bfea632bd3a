"""Polls (群众满意度测评) in a private chat: /poll → target → question → options → preview →
confirm; /poll_results N for officials whose subtree the poll went to."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from broadcasts.access import Target, picked_target
from broadcasts.drafts import create_poll
from broadcasts.management import Access, visible_broadcast
from broadcasts.personalize import preview
from broadcasts.polls import DEFAULT_OPTIONS, OptionsError, parse_options
from broadcasts.progress_messages import announce
from broadcasts.service import BroadcastError
from broadcasts.texts import results_text
from channels.telegram.callbacks import (
    PollConfirm,
    PollTarget,
    TargetOpen,
    poll_confirm_keyboard,
)
from core.clock import Clock
from handlers.access import refusals
from handlers.common import answer, reply, send
from handlers.officials import broadcast_number
from handlers.target_picker import on_open, show_picker, typed
from models.access import ADMINS, Actor, Refused
from models.broadcasts import BroadcastKind
from templates import render

PRIVATE = F.chat.type == "private"
TYPED = F.text & ~F.text.startswith("/")


class PollDraft(StatesGroup):
    target = State()
    question = State()
    options = State()
    confirm = State()


async def cmd_poll(
    message: Message, session: AsyncSession, state: FSMContext, actor: Actor
) -> None:
    """The node picker, in a private chat (polls go to any node of the official's subtree)."""
    actor.require(ADMINS, "role")
    if message.chat.type != "private":
        raise Refused("private")
    await state.clear()
    await show_picker(session, message, actor, poll=True)
    await state.set_state(PollDraft.target)


async def on_target(
    query: CallbackQuery,
    callback_data: PollTarget,
    session: AsyncSession,
    state: FSMContext,
    actor: Actor,
) -> None:
    target = await picked_target(session, actor, callback_data.node_id)
    answer(query)
    if query.message is not None:
        await _ask_question(session, state, query.message.chat.id, target)


async def on_typed_target(
    message: Message, session: AsyncSession, state: FSMContext, actor: Actor
) -> None:
    """A node code typed instead of a button pressed."""
    target = await typed(session, message, actor)
    if target is not None:
        await _ask_question(session, state, message.chat.id, target)


async def _ask_question(
    session: AsyncSession, state: FSMContext, chat_id: int, target: Target
) -> None:
    path, active = target.path, target.active
    await state.set_state(PollDraft.question)
    await state.set_data({"node_id": target.node.id, "path": path, "active": active})
    send(session, chat_id, render("poll_ask_question", path=path, active=active))


async def on_question(message: Message, session: AsyncSession, state: FSMContext) -> None:
    question = (message.text or "").strip()
    try:
        await preview(session, question, (await state.get_data())["node_id"])
    except BroadcastError as exc:  # a bad {{ template }}: say what, and ask again
        reply(session, message, render("broadcast_text_refused", error=exc))
        return
    await state.update_data(question=question)
    await state.set_state(PollDraft.options)
    reply(session, message, render("poll_ask_options", defaults=DEFAULT_OPTIONS))


async def on_options(message: Message, state: FSMContext, session: AsyncSession) -> None:
    """The options, one per line (or 默认); refused with the reason and asked again if bad."""
    try:
        options = parse_options(message.text or "")
    except OptionsError as exc:
        reply(session, message, render("poll_options_refused", problem=exc.problem))
        return
    data = await state.update_data(options=options, draft=message.message_id)
    await state.set_state(PollDraft.confirm)
    preview = render(
        "poll_preview",
        question=data["question"],
        options=options,
        path=data["path"],
        active=data["active"],
    )
    reply(session, message, preview, reply_markup=poll_confirm_keyboard(message.message_id))


async def on_confirm(
    query: CallbackQuery,
    callback_data: PollConfirm,
    session: AsyncSession,
    state: FSMContext,
    clock: Clock,
    actor: Actor,
) -> None:
    data = await state.get_data()
    if callback_data.draft != data.get("draft"):  # a preview of an earlier poll draft
        await on_stale_confirm(query)
        return
    await state.clear()
    if callback_data.action != "send" or "options" not in data:
        answer(query, render("broadcast_cancelled"))
        return
    try:
        created = await create_poll(session, actor, data, clock.now())
    except BroadcastError as exc:
        answer(query, render("broadcast_text_refused", error=exc), show_alert=True)
        return
    answer(query)
    assert created.id is not None
    send(session, query.from_user.id, render("poll_sent", id=created.id, total=created.total))
    announce(session, query.from_user.id, created.id, created.total)


async def on_stale_confirm(query: CallbackQuery) -> None:
    answer(query, render("poll_stale"), show_alert=True)


async def cmd_poll_results(
    message: Message, command: CommandObject, session: AsyncSession, actor: Actor
) -> None:
    """Answers per option, the total and per child node; only inside the official's subtree."""
    if message.from_user is None:
        return
    number = broadcast_number(command)
    if number is None:
        reply(session, message, render("ticket_usage", usage="/poll_results 测评编号"))
        return
    actor.require(ADMINS, "role")
    if message.chat.type != "private":
        raise Refused("private")
    access, poll = await visible_broadcast(session, actor, number)
    if access is Access.refused:
        raise Refused("scope", what="测评", number=number)
    if poll is None or poll.id is None or poll.kind is not BroadcastKind.poll:
        reply(session, message, render("broadcast_not_found", what="测评", id=number))
        return
    reply(session, message, await results_text(session, poll.id))


async def on_not_text(message: Message, session: AsyncSession) -> None:
    reply(session, message, render("poll_need_text"))


async def cmd_cancel(message: Message, state: FSMContext, session: AsyncSession) -> None:
    await state.clear()
    reply(session, message, render("broadcast_cancelled"))


def get_router() -> Router:
    router = Router(name="polls")
    worded = refusals("poll_refused")
    router.message.register(cmd_poll, Command("poll"), flags=worded)
    router.message.register(cmd_poll_results, Command("poll_results"), flags=worded)
    router.message.register(cmd_cancel, Command("cancel"), PRIVATE, StateFilter(PollDraft))
    router.callback_query.register(on_target, PollTarget.filter(), flags=worded)
    router.callback_query.register(on_open, TargetOpen.filter(F.poll), flags=worded)
    router.message.register(on_typed_target, PollDraft.target, PRIVATE, TYPED, flags=worded)
    router.message.register(on_question, PollDraft.question, PRIVATE, TYPED)
    router.message.register(on_options, PollDraft.options, PRIVATE, TYPED)
    writing = StateFilter(PollDraft.question, PollDraft.options)
    router.message.register(on_not_text, writing, PRIVATE, ~F.text)
    router.callback_query.register(
        on_confirm, PollConfirm.filter(), PollDraft.confirm, flags=worded
    )
    router.callback_query.register(on_stale_confirm, PollConfirm.filter())
    return router
