"""The node picker of /broadcast and /poll: any node of the official's subtree, level by level
with buttons (district → town → community → grid, back and pages), or by its code typed.
Where the official may go is decided by broadcasts/access.py on the Actor, as everywhere."""

from __future__ import annotations

from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from broadcasts.access import Level, Target, target_level, typed_target
from channels.telegram.callbacks import TargetOpen, target_keyboard
from handlers.common import answer, edit, reply
from models.access import Actor
from templates import render

SHOWN_CODE = 30  # a typed "code" is quoted back at most this long


async def show_picker(session: AsyncSession, message: Message, actor: Actor, poll: bool) -> None:
    """The picker's first screen, as the answer to /broadcast or /poll (Refused("role") for
    someone who may broadcast nowhere)."""
    level = await target_level(session, actor, 0)
    reply(session, message, screen(level, poll), reply_markup=target_keyboard(level, poll))


async def on_open(
    query: CallbackQuery, callback_data: TargetOpen, session: AsyncSession, actor: Actor
) -> None:
    """下一级 › / 上一页 / 下一页 / 返回上一级: the picker message shows that screen."""
    level = await target_level(session, actor, callback_data.node_id, callback_data.page)
    answer(query)
    if isinstance(query.message, Message):
        keyboard = target_keyboard(level, callback_data.poll)
        edit(session, query.message, screen(level, callback_data.poll), reply_markup=keyboard)


async def typed(session: AsyncSession, message: Message, actor: Actor) -> Target | None:
    """The node whose code the message holds, if the actor may broadcast there (Refused
    otherwise); None after saying that no node has that code."""
    code = (message.text or "").strip()
    target = await typed_target(session, actor, code)
    if target is None:
        shown = code if len(code) <= SHOWN_CODE else code[: SHOWN_CODE - 1] + "…"
        reply(session, message, render("target_unknown", code=shown))
    return target


def screen(level: Level, poll: bool) -> str:
    example = level.choices[0].code if level.choices else level.node.code if level.node else ""
    return render("broadcast_choose", poll=poll, path=level.path, example=example)
