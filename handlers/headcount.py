"""Grid workers answer the daily headcount in a private chat: /headcount N, or the keypad."""

from __future__ import annotations

import re

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from channels.telegram.callbacks import HeadcountKey
from core.clock import Clock
from core.config import Settings
from core.timezone import district_zone
from handlers.access import refusals
from handlers.common import answer, reply
from handlers.headcount_messages import prompt_card
from handlers.work_scope import PRIVATE, button_node, edit
from models.access import Actor, Refused
from models.people import Person
from models.tree import Node
from models.tree_service import node_by_code
from templates import render
from work import headcount as hc
from work.scope import GRID_LEVELS

NUMBER = re.compile(r"^\d{1,6}$")


async def _grid(
    session: AsyncSession, actor: Actor, code: str, settings: Settings, clock: Clock
) -> Node:
    """The grid a number is for: the named one, else the actor's one grid with a round today."""
    tz = district_zone(settings)
    if code:
        node = actor.require_node(await node_by_code(session, code), code=code)
        if node.level not in GRID_LEVELS:
            raise Refused("usage")
        return node
    grids = await hc.answerable_grids(session, actor, clock.now(), tz)
    if not grids:
        raise Refused("no_round", grid="")
    if len(grids) > 1:
        raise Refused("which_grid", codes=[grid.code for grid in grids])
    return grids[0]


async def cmd_headcount(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    actor: Actor,
) -> None:
    person = actor.require()
    words = (command.args or "").split()
    numbers = [w for w in words if NUMBER.match(w)]
    codes = [w for w in words if not NUMBER.match(w)]
    if len(numbers) > 1 or len(codes) > 1:
        reply(session, message, render("headcount_usage"))
        return
    tz, now = district_zone(settings), clock.now()
    grid = await _grid(session, actor, codes[0] if codes else "", settings, clock)
    if not numbers:  # the button flow: a keypad for the grid
        rounds = await hc.todays_rounds(session, now, tz, over=grid)
        if not rounds:
            raise Refused("no_round", grid=grid.name)
        text, markup = await prompt_card(session, rounds[0], grid, 0, now, tz)
        reply(session, message, text, reply_markup=markup)
        return
    await _answer(message, session, person, grid, int(numbers[0]), clock, settings)


async def _answer(
    message: Message,
    session: AsyncSession,
    person: Person,
    grid: Node,
    count: int,
    clock: Clock,
    settings: Settings,
) -> None:
    if not await hc.answer(session, grid, person, count, clock.now(), district_zone(settings)):
        raise Refused("no_round", grid=grid.name)
    reply(session, message, render("headcount_answered", grid=grid.name, count=count))


async def on_key(
    query: CallbackQuery,
    callback_data: HeadcountKey,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    actor: Actor,
) -> None:
    person, grid = await button_node(session, actor, callback_data.node_id)
    tz, now, value = district_zone(settings), clock.now(), callback_data.value
    rounds = await hc.todays_rounds(session, now, tz, over=grid)
    if not rounds:
        raise Refused("no_round", grid=grid.name)
    if not callback_data.send:
        answer(query)
        edit(session, query, *await prompt_card(session, rounds[0], grid, value, now, tz))
        return
    if value <= 0:
        answer(query, render("headcount_refused", reason="empty"), show_alert=True)
        return
    await hc.answer(session, grid, person, value, now, tz)
    answered = render("headcount_answered", grid=grid.name, count=value)
    answer(query, answered)
    edit(session, query, answered, None)


def get_router() -> Router:
    router = Router(name="headcount")
    worded = refusals("headcount_refused")
    router.message.register(cmd_headcount, Command("headcount"), PRIVATE, flags=worded)
    router.callback_query.register(on_key, HeadcountKey.filter(), flags=worded)
    return router
