"""A grid worker's notice to their own grid's group, sent by the bot: /post [编码] 内容.

Grid workers cannot broadcast (that is /broadcast, for admins and officials), but they may post
to the groups bound to their own grid through the bot; it goes out as a one-group broadcast,
with the same outbox, limits, progress and delivery report."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from audit.log import AuditNote, staff_person
from broadcasts import BroadcastEngine
from broadcasts.access import target_counts
from broadcasts.personalize import literal
from broadcasts.progress_messages import announce
from broadcasts.service import create_broadcast
from core.clock import Clock
from handlers.common import reply
from handlers.work_scope import PRIVATE, Refused, pick_node
from models.people import RoleKind
from templates import render
from work.scope import role_nodes

WORKER = (RoleKind.grid_worker,)


async def cmd_post(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    bot: Bot,
    broadcasts: BroadcastEngine,
    clock: Clock,
    audit: AuditNote,
) -> None:
    person = await staff_person(session, message.from_user.id) if message.from_user else None
    if person is None or not await role_nodes(session, person, WORKER):
        audit.refused("not_worker")
        reply(session, message, render("grid_post_refused", reason="not_worker"))
        return
    words = (command.args or "").strip()
    try:
        if not words:
            raise Refused("usage", render("grid_post_refused", reason="usage"))
        grid, text = await pick_node(
            session, person, words, "grid_post_refused", "post", WORKER, WORKER, free_text=True
        )
        groups, _inactive = await target_counts(session, grid)
        if not text or not groups:
            reason = "usage" if not text else "no_group"
            raise Refused(reason, render("grid_post_refused", reason=reason, code=grid.code))
    except Refused as refused:
        audit.refused(refused.reason)
        reply(session, message, refused.text)
        return
    assert grid.id is not None
    body = render("grid_post_text", worker=person.name, grid=grid.name, text=literal(text))
    post = await create_broadcast(
        session, node_id=grid.id, text=body, created_by=person.id, now=clock.now()
    )
    assert post.id is not None
    announce(session, message.chat.id, post.id, post.total)


def get_router() -> Router:
    router = Router(name="grid_posts")
    router.message.register(cmd_post, Command("post"), PRIVATE)
    return router
