"""/broadcast in private chat: target → text → preview (置顶 / 已阅按钮 toggles) → now or later."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from broadcasts.access import Target, picked_target, target_counts
from broadcasts.drafts import create_draft
from broadcasts.personalize import is_template, preview
from broadcasts.progress_messages import announce
from broadcasts.service import BroadcastError
from channels.telegram.callbacks import (
    BroadcastConfirm,
    BroadcastTarget,
    TargetOpen,
    confirm_keyboard,
)
from core.clock import Clock
from handlers.access import refusals
from handlers.broadcast_schedule import on_when
from handlers.common import answer, edit_buttons, reply, send
from handlers.target_picker import on_open, show_picker, typed
from models.access import Actor
from models.tree import Node
from templates import render

PRIVATE = F.chat.type == "private"
TYPED = F.text & ~F.text.startswith("/")


class Draft(StatesGroup):
    target = State()
    text = State()
    confirm = State()
    when = State()


async def cmd_broadcast(
    message: Message, session: AsyncSession, state: FSMContext, actor: Actor
) -> None:
    """The node picker (broadcasts go to any node of the official's subtree)."""
    await state.clear()
    await show_picker(session, message, actor, poll=False)
    await state.set_state(Draft.target)


async def on_target(
    query: CallbackQuery,
    callback_data: BroadcastTarget,
    session: AsyncSession,
    state: FSMContext,
    actor: Actor,
) -> None:
    target = await picked_target(session, actor, callback_data.node_id)
    answer(query)
    if query.message is not None:
        await _ask_text(session, state, query.message.chat.id, target)


async def on_typed_target(
    message: Message, session: AsyncSession, state: FSMContext, actor: Actor
) -> None:
    """A node code typed instead of a button pressed."""
    target = await typed(session, message, actor)
    if target is not None:
        await _ask_text(session, state, message.chat.id, target)


async def _ask_text(
    session: AsyncSession, state: FSMContext, chat_id: int, target: Target
) -> None:
    await state.set_state(Draft.text)
    data = {"node_id": target.node.id, "path": target.path, "pin": False, "read": False}
    await state.set_data(data)
    send(session, chat_id, render("broadcast_ask_text", path=target.path, active=target.active))


async def on_text(message: Message, session: AsyncSession, state: FSMContext) -> None:
    text = message.text or message.caption or ""
    photo = message.photo[-1].file_id if message.photo else None
    data = await state.get_data()
    node = await session.get(Node, data["node_id"])
    if node is None or (not text.strip() and photo is None):
        reply(session, message, render("broadcast_cancelled"))
        await state.clear()
        return
    try:
        shown = await preview(session, text, data["node_id"])
    except BroadcastError as exc:  # a bad {{ template }}: say what, and ask again
        reply(session, message, render("broadcast_text_refused", error=exc))
        return
    active, inactive = await target_counts(session, node)
    draft = message.message_id  # what the preview's buttons name
    await state.update_data(text=text, photo=photo, draft=draft)
    await state.set_state(Draft.confirm)
    page = render(
        "broadcast_preview",
        text=shown,
        templated=is_template(text),
        path=data["path"],
        active=active,
        inactive=inactive,
    )
    keyboard = confirm_keyboard(draft, data["pin"], data["read"])
    reply(session, message, page, reply_markup=keyboard)


async def on_choice(
    query: CallbackQuery,
    callback_data: BroadcastConfirm,
    session: AsyncSession,
    state: FSMContext,
    clock: Clock,
    actor: Actor,
) -> None:
    """A preview button: toggle 置顶 / 已阅按钮, send now, ask for a time, or cancel; under a
    preview of another draft than the one being composed, only that it is outdated."""
    data, action = await state.get_data(), callback_data.action
    if callback_data.draft != data.get("draft"):
        await on_stale_choice(query)
        return
    if action in {"pin", "read"}:
        await _toggle(query, session, state, data, action)
        return
    if action == "schedule":
        await state.set_state(Draft.when)
        answer(query)
        send(session, query.from_user.id, render("broadcast_ask_time"))
        return
    await state.clear()
    if action != "send" or "text" not in data:
        answer(query, render("broadcast_cancelled"))
        return
    try:
        created = await create_draft(session, actor, data, clock.now())
    except BroadcastError as exc:
        answer(query, render("broadcast_text_refused", error=exc), show_alert=True)
        return
    assert created.id is not None
    answer(query)
    announce(session, query.from_user.id, created.id, created.total)


async def _toggle(
    query: CallbackQuery,
    session: AsyncSession,
    state: FSMContext,
    data: dict[str, Any],
    action: str,
) -> None:
    """置顶 / 已阅按钮 switched: the draft remembers, the preview's buttons show it."""
    data[action] = not data.get(action, False)
    await state.update_data({action: data[action]})
    answer(query)
    if isinstance(query.message, Message):
        keyboard = confirm_keyboard(data["draft"], data["pin"], data["read"])
        edit_buttons(session, query.message, keyboard)


async def on_stale_choice(query: CallbackQuery) -> None:
    answer(query, render("broadcast_stale"), show_alert=True)


async def cmd_cancel(message: Message, state: FSMContext, session: AsyncSession) -> None:
    await state.clear()
    reply(session, message, render("broadcast_cancelled"))


def get_router() -> Router:
    router = Router(name="broadcast_compose")
    worded = refusals("broadcast_refused")
    router.message.register(cmd_broadcast, Command("broadcast"), PRIVATE, flags=worded)
    router.message.register(cmd_cancel, Command("cancel"), PRIVATE, StateFilter(Draft))
    router.callback_query.register(on_target, BroadcastTarget.filter(), flags=worded)
    router.callback_query.register(on_open, TargetOpen.filter(~F.poll), flags=worded)
    router.message.register(on_typed_target, Draft.target, PRIVATE, TYPED, flags=worded)
    router.message.register(on_text, Draft.text, PRIVATE)
    router.message.register(on_when, Draft.when, PRIVATE, ~F.text.startswith("/"), flags=worded)
    choosing = StateFilter(Draft.confirm, Draft.when)
    router.callback_query.register(on_choice, BroadcastConfirm.filter(), choosing, flags=worded)
    router.callback_query.register(on_stale_choice, BroadcastConfirm.filter())
    return router
