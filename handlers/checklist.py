"""The weekly duty checklist in a private chat: /checklist [网格编码] with 完成 buttons."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from channels.telegram.callbacks import ChecklistDone
from channels.telegram.keyboards import checklist_keyboard
from core.clock import Clock
from core.config import Settings
from core.timezone import district_zone
from handlers.access import refusals
from handlers.common import answer, reply
from handlers.work_scope import PRIVATE, button_node, edit, pick_node
from models.access import WORKERS, Actor, Refused
from models.tree import Node
from templates import render
from work.checklist import Item, mark_done, week_lines, week_of
from work.scope import GRID_LEVELS


def _items(settings: Settings) -> list[Item]:
    return [Item(item.key, item.label) for item in settings.work.checklist]


async def _card(
    session: AsyncSession, node: Node, settings: Settings, clock: Clock
) -> tuple[str, InlineKeyboardMarkup | None]:
    tz = district_zone(settings)
    week = week_of(clock.now(), tz)
    lines = await week_lines(session, node, _items(settings), week)
    text = render("work_checklist", node=node.name, week=week, lines=lines, tz=tz)
    undone = [line.item for line in lines if line.done_at is None]
    return text, checklist_keyboard(node.id or 0, undone)


async def cmd_checklist(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    actor: Actor,
) -> None:
    actor.require()
    if not settings.work.checklist:
        reply(session, message, render("work_checklist_none", reason="no_items"))
        return
    words = (command.args or "").strip()
    nodes = actor.nodes(WORKERS)
    if words:
        node, _rest = await pick_node(session, actor, words, "checklist")
        nodes = [node]
    nodes = [node for node in nodes if node.level in GRID_LEVELS]
    if not nodes:
        reply(session, message, render("work_checklist_none", reason="no_grid"))
        return
    for node in nodes:
        text, markup = await _card(session, node, settings, clock)
        reply(session, message, text, reply_markup=markup)


async def on_done(
    query: CallbackQuery,
    callback_data: ChecklistDone,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    actor: Actor,
) -> None:
    person, node = await button_node(session, actor, callback_data.node_id)
    item = next((i for i in _items(settings) if i.key == callback_data.item), None)
    if item is None:
        raise Refused("no_item")
    week = week_of(clock.now(), district_zone(settings))
    marked = await mark_done(session, node, item, person, week, clock.now())
    answer(query, render("work_checklist_marked", marked=marked, label=item.label))
    text, markup = await _card(session, node, settings, clock)
    edit(session, query, text, markup)


def get_router() -> Router:
    router = Router(name="checklist")
    worded = refusals("work_refused")
    router.message.register(cmd_checklist, Command("checklist"), PRIVATE, flags=worded)
    router.callback_query.register(on_done, ChecklistDone.filter(), flags=worded)
    return router
