"""A grid worker's notice to their own grid's group, sent by the bot: /post [编码] 内容.

Grid workers cannot broadcast (that is /broadcast, for admins and officials), but they may post
to the groups bound to their own grid through the bot; it goes out as a one-group broadcast,
with the same outbox, limits, progress and delivery report."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from broadcasts.access import target_counts
from broadcasts.personalize import literal
from broadcasts.progress_messages import announce
from broadcasts.service import create_broadcast
from core.clock import Clock
from handlers.access import refusals
from handlers.work_scope import PRIVATE, pick_node
from models.access import WORKERS, Actor, Refused
from templates import render


async def cmd_post(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
) -> None:
    person = actor.require(WORKERS, "not_worker")
    words = (command.args or "").strip()
    if not words:
        raise Refused("usage")
    grid, text = await pick_node(session, actor, words, "post", WORKERS, WORKERS, free_text=True)
    groups, _inactive = await target_counts(session, grid)
    if not text or not groups:
        raise Refused("usage" if not text else "no_group", code=grid.code)
    assert grid.id is not None
    body = render("grid_post_text", worker=person.name, grid=grid.name, text=literal(text))
    post = await create_broadcast(
        session, node_id=grid.id, text=body, created_by=person.id, now=clock.now()
    )
    assert post.id is not None
    announce(session, message.chat.id, post.id, post.total, reply_to=message.message_id)


def get_router() -> Router:
    router = Router(name="grid_posts")
    router.message.register(
        cmd_post, Command("post"), PRIVATE, flags=refusals("grid_post_refused")
    )
    return router
