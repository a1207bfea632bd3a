"""Officials broadcast in a private chat: /broadcast → target → text → preview → confirm."""

from __future__ import annotations

import asyncio

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.broadcast_progress import follow
from bot.callbacks import BroadcastConfirm, BroadcastTarget, confirm_keyboard, target_keyboard
from bot.clock import Clock
from broadcasts import BroadcastEngine
from broadcasts.access import broadcast_nodes, may_broadcast, target_counts
from broadcasts.service import Counts, create_broadcast
from handlers.common import reply
from models.tree import Node
from models.tree_service import ancestors_and_self, path_text, person_by_telegram
from templates import render

PRIVATE = F.chat.type == "private"
_followers: set[asyncio.Task[None]] = set()  # keep live-progress tasks referenced


class Draft(StatesGroup):
    text = State()
    confirm = State()


async def cmd_broadcast(message: Message, session: AsyncSession, state: FSMContext) -> None:
    if message.from_user is None:
        return
    nodes = await broadcast_nodes(session, message.from_user.id)
    if not nodes:
        await reply(message, render("broadcast_refused", reason="role"))
        return
    await state.clear()
    choices = [(n.id, n.name) for n in nodes if n.id is not None]
    await reply(message, render("broadcast_choose"), reply_markup=target_keyboard(choices))


async def on_target(
    query: CallbackQuery, callback_data: BroadcastTarget, session: AsyncSession, state: FSMContext
) -> None:
    node = await session.get(Node, callback_data.node_id)
    if node is None or not await may_broadcast(session, query.from_user.id, node):
        await query.answer(render("broadcast_refused", reason="scope"), show_alert=True)
        return
    active, _inactive = await target_counts(session, node)
    path = path_text(await ancestors_and_self(session, node))
    await state.set_state(Draft.text)
    await state.update_data(node_id=node.id, path=path)
    await query.answer()
    if query.message is not None:
        await query.message.answer(render("broadcast_ask_text", path=path, active=active))


async def on_text(message: Message, session: AsyncSession, state: FSMContext) -> None:
    text = message.text or message.caption or ""
    photo = message.photo[-1].file_id if message.photo else None
    data = await state.get_data()
    node = await session.get(Node, data["node_id"])
    if node is None or (not text.strip() and photo is None):
        await reply(message, render("broadcast_cancelled"))
        await state.clear()
        return
    active, inactive = await target_counts(session, node)
    await state.update_data(text=text, photo=photo)
    await state.set_state(Draft.confirm)
    await reply(
        message,
        render(
            "broadcast_preview", text=text, path=data["path"], active=active, inactive=inactive
        ),
        reply_markup=confirm_keyboard(),
    )


async def on_confirm(
    query: CallbackQuery,
    callback_data: BroadcastConfirm,
    session: AsyncSession,
    state: FSMContext,
    clock: Clock,
    bot: Bot,
    broadcasts: BroadcastEngine,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    data = await state.get_data()
    await state.clear()
    if callback_data.action not in {"send", "send_pin"} or "text" not in data:
        await query.answer(render("broadcast_cancelled"))
        return
    node = await session.get(Node, data["node_id"])
    if (
        node is None
        or node.id is None
        or not await may_broadcast(session, query.from_user.id, node)
    ):
        await query.answer(render("broadcast_refused", reason="scope"), show_alert=True)
        return
    person = await person_by_telegram(session, query.from_user.id)
    created = await create_broadcast(
        session,
        node_id=node.id,
        text=data["text"],
        photo=data.get("photo"),
        created_by=person.id if person else None,
        pin=callback_data.action == "send_pin",
        now=clock.now(),
    )
    await session.commit()  # the engine reads the outbox from its own sessions
    broadcasts.notify()
    await query.answer()
    if query.message is None or created.id is None:
        return
    first = render(
        "broadcast_progress", id=created.id, c=_zero(created.total), finished=False, failures=[]
    )
    status = await query.message.answer(first)
    task = asyncio.create_task(
        follow(bot, session_factory, created.id, status.chat.id, status.message_id, shown=first)
    )
    _followers.add(task)
    task.add_done_callback(_followers.discard)


def _zero(total: int) -> Counts:
    return Counts(total=total, pending=total)


async def cmd_cancel(message: Message, state: FSMContext) -> None:
    await state.clear()
    await reply(message, render("broadcast_cancelled"))


def get_router() -> Router:
    router = Router(name="officials")
    router.message.register(cmd_broadcast, Command("broadcast"), PRIVATE)
    router.message.register(cmd_cancel, Command("cancel"), PRIVATE, StateFilter(Draft))
    router.callback_query.register(on_target, BroadcastTarget.filter())
    router.message.register(on_text, Draft.text, PRIVATE)
    router.callback_query.register(on_confirm, BroadcastConfirm.filter(), Draft.confirm)
    return router
