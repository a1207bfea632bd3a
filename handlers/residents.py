"""What any member of a group (or a private chat) can ask the bot."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandStart
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.config import Settings
from handlers.common import GROUP_CHATS, reply
from handlers.notices import Notifier
from models.access import Actor
from models.group_service import group_by_chat
from models.tree import Node
from models.tree_service import (
    ancestors_and_self,
    mark_private_chat,
    path_text,
    responsible_workers,
    roles_with_paths,
)
from templates import render
from tickets.waiting import hand_waiting


async def cmd_whereami(message: Message, session: AsyncSession) -> None:
    group = await group_by_chat(session, message.chat.id)
    node = await session.get(Node, group.node_id) if group and group.node_id else None
    if node is None:
        reply(session, message, render("whereami", path=None))
        return
    path = path_text(await ancestors_and_self(session, node))
    workers = await responsible_workers(session, node)
    reply(session, message, render("whereami", path=path, code=node.code, workers=workers))


async def cmd_start(
    message: Message, session: AsyncSession, actor: Actor, clock: Clock, notifier: Notifier
) -> None:
    """The private chat is open: note it, greet, and send staff the tickets that reached
    nobody while no one could be told (in this same transaction)."""
    user = message.from_user
    person = await mark_private_chat(session, user.id) if user else None
    roles = [
        {"label": role.kind.label, "path": path}
        for role, path in (await roles_with_paths(session, person) if person else [])
    ]
    now = clock.now()
    waiting = await hand_waiting(session, actor, now) if actor.is_staff else []
    text = render("start", name=person.name if person else None, roles=roles, waiting=len(waiting))
    reply(session, message, text)
    await notifier.publish(waiting, now, session)


async def cmd_help(
    message: Message, settings: Settings, actor: Actor, session: AsyncSession
) -> None:
    """Each role sees its own commands (the highest role held), and the district's handbook."""
    audience = actor.audience
    text = render(
        "help",
        audience=audience.value,
        handbook=settings.work.handbook,
        console_minutes=settings.console.link_minutes,
    )
    reply(session, message, text)


def get_router() -> Router:
    router = Router(name="residents")
    router.message.register(cmd_whereami, Command("whereami"), F.chat.type.in_(GROUP_CHATS))
    router.message.register(cmd_start, CommandStart(), F.chat.type == "private")
    router.message.register(cmd_help, Command("help"))
    return router
