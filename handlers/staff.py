"""Commands for grid workers and admins inside groups: binding a group to its node."""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from handlers.access import refusals
from handlers.common import GROUP_CHATS, reply
from models.access import Actor, Refused
from models.group_service import BindStatus, bind_group, group_by_chat, record_bot_added
from models.tree_service import ancestors_and_self, path_text, responsible_workers
from templates import render

log = logging.getLogger("gridbot.audit")


async def cmd_bind(
    message: Message, command: CommandObject, session: AsyncSession, clock: Clock, actor: Actor
) -> None:
    argument = (command.args or "").strip().split()
    if len(argument) != 1 or message.from_user is None:
        reply(session, message, render("bind_usage"))
        return
    if await group_by_chat(session, message.chat.id) is None:
        await record_bot_added(
            session, message.chat.id, message.chat.title or "", message.chat.type, clock.now()
        )
    user_id = message.from_user.id
    try:
        outcome = await bind_group(session, message.chat.id, argument[0], actor, clock.now())
    except Refused as refused:
        log.warning(
            "refused /bind %s (%s) by user %s (%s) in chat %s",
            argument[0],
            refused.reason,
            user_id,
            message.from_user.full_name,
            message.chat.id,
        )
        raise
    if outcome.node is None:
        reply(session, message, render(f"bind_{outcome.status.value}", code=argument[0]))
        return
    path = path_text(await ancestors_and_self(session, outcome.node))
    workers = await responsible_workers(session, outcome.node)
    log.info("chat %s bound to %s by user %s", message.chat.id, outcome.node.code, user_id)
    name = "bind_done" if outcome.status is BindStatus.bound else "bind_unchanged"
    reply(session, message, render(name, path=path, code=outcome.node.code, workers=workers))


async def cmd_bind_private(message: Message, session: AsyncSession) -> None:
    reply(session, message, render("bind_private"))


def get_router() -> Router:
    router = Router(name="staff")
    router.message.register(
        cmd_bind, Command("bind"), F.chat.type.in_(GROUP_CHATS), flags=refusals("bind_not_allowed")
    )
    router.message.register(cmd_bind_private, Command("bind"))
    return router
