"""Polls (群众满意度测评) in a private chat: /poll → target → question → options → preview →
confirm; /poll_results N for officials whose subtree the poll went to."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from broadcasts import BroadcastEngine
from broadcasts.access import may_broadcast, picked_target, target_choices
from broadcasts.management import scopes, visible_broadcast
from broadcasts.personalize import preview
from broadcasts.polls import DEFAULT_OPTIONS, OptionsError, parse_options
from broadcasts.progress_messages import announce
from broadcasts.service import BroadcastError, create_broadcast
from broadcasts.texts import results_text
from channels.telegram.callbacks import (
    PollConfirm,
    PollTarget,
    poll_confirm_keyboard,
    target_keyboard,
)
from core.clock import Clock
from handlers.common import answer, reply, send
from handlers.officials import broadcast_number
from models.broadcasts import BroadcastKind
from models.tree import Node
from models.tree_service import person_by_telegram
from templates import render

PRIVATE = F.chat.type == "private"
TYPED = F.text & ~F.text.startswith("/")


class PollDraft(StatesGroup):
    question = State()
    options = State()
    confirm = State()


async def cmd_poll(message: Message, session: AsyncSession, state: FSMContext) -> None:
    if message.from_user is None:
        return
    choices = await target_choices(session, message.from_user.id)
    if not choices:
        reply(session, message, render("poll_refused", reason="role"))
        return
    if message.chat.type != "private":
        reply(session, message, render("poll_refused", reason="private"))
        return
    await state.clear()
    reply(
        session, message, render("broadcast_choose"), reply_markup=target_keyboard(choices, True)
    )


async def on_target(
    query: CallbackQuery, callback_data: PollTarget, session: AsyncSession, state: FSMContext
) -> None:
    target = await picked_target(session, query.from_user.id, callback_data.node_id)
    if target is None:
        answer(query, render("poll_refused", reason="scope"), show_alert=True)
        return
    path, active = target.path, target.active
    await state.set_state(PollDraft.question)
    await state.set_data({"node_id": target.node.id, "path": path, "active": active})
    answer(query)
    if query.message is not None:
        text = render("poll_ask_question", path=path, active=active)
        send(session, query.message.chat.id, text)


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
    data = await state.update_data(options=options)
    await state.set_state(PollDraft.confirm)
    preview = render(
        "poll_preview",
        question=data["question"],
        options=options,
        path=data["path"],
        active=data["active"],
    )
    reply(session, message, preview, reply_markup=poll_confirm_keyboard())


async def on_confirm(
    query: CallbackQuery,
    callback_data: PollConfirm,
    session: AsyncSession,
    state: FSMContext,
    clock: Clock,
    bot: Bot,
    broadcasts: BroadcastEngine,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    data = await state.get_data()
    await state.clear()
    if callback_data.action != "send" or "options" not in data:
        answer(query, render("broadcast_cancelled"))
        return
    node = await session.get(Node, data["node_id"])
    user = query.from_user.id
    if node is None or node.id is None or not await may_broadcast(session, user, node):
        answer(query, render("poll_refused", reason="scope"), show_alert=True)
        return
    person = await person_by_telegram(session, user)
    try:
        created = await create_broadcast(
            session,
            node_id=node.id,
            text=data["question"],
            created_by=person.id if person else None,
            kind=BroadcastKind.poll,
            options=data["options"],
            now=clock.now(),
        )
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
    message: Message, command: CommandObject, session: AsyncSession
) -> None:
    """Answers per option, the total and per child node; only inside the official's subtree."""
    if message.from_user is None:
        return
    number = broadcast_number(command)
    if number is None:
        reply(session, message, render("ticket_usage", usage="/poll_results 测评编号"))
        return
    if not await scopes(session, message.from_user.id):
        reply(session, message, render("poll_refused", reason="role"))
        return
    if message.chat.type != "private":
        reply(session, message, render("poll_refused", reason="private"))
        return
    access, poll = await visible_broadcast(session, message.from_user.id, number)
    if poll is None or poll.id is None or poll.kind is not BroadcastKind.poll:
        reason = access if poll is None else "unknown"
        reply(
            session, message, render("broadcast_not_found", reason=reason, what="测评", id=number)
        )
        return
    reply(session, message, await results_text(session, poll.id))


async def on_not_text(message: Message, session: AsyncSession) -> None:
    reply(session, message, render("poll_need_text"))


async def cmd_cancel(message: Message, state: FSMContext, session: AsyncSession) -> None:
    await state.clear()
    reply(session, message, render("broadcast_cancelled"))


def get_router() -> Router:
    router = Router(name="polls")
    router.message.register(cmd_poll, Command("poll"))
    router.message.register(cmd_poll_results, Command("poll_results"))
    router.message.register(cmd_cancel, Command("cancel"), PRIVATE, StateFilter(PollDraft))
    router.callback_query.register(on_target, PollTarget.filter())
    router.message.register(on_question, PollDraft.question, PRIVATE, TYPED)
    router.message.register(on_options, PollDraft.options, PRIVATE, TYPED)
    writing = StateFilter(PollDraft.question, PollDraft.options)
    router.message.register(on_not_text, writing, PRIVATE, ~F.text)
    router.callback_query.register(on_confirm, PollConfirm.filter(), PollDraft.confirm)
    router.callback_query.register(on_stale_confirm, PollConfirm.filter())
    return router
