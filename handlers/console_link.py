"""/console in a private chat: a one-time link to the web console, for staff only.

The link is a message like any other (an outbox row of this update's transaction); the rules
(staff only, single use, expiry) are models/login_service.py. In a group the command is
refused: a link there would log anyone in as the sender.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.config import Settings
from handlers.access import refusals
from handlers.common import reply
from models.access import Actor, Refused
from models.login_service import issue_link
from templates import render

PRIVATE = F.chat.type == "private"


async def cmd_console(
    message: Message, session: AsyncSession, clock: Clock, settings: Settings, actor: Actor
) -> None:
    conf = settings.console
    token = issue_link(session, actor, clock.now(), conf.link_minutes)
    reply(
        session,
        message,
        render("console_link", url=conf.link_url(token), minutes=conf.link_minutes),
    )


async def in_group(message: Message, command: CommandObject) -> None:
    raise Refused("private", command=f"/{command.command}")


def get_router() -> Router:
    router = Router(name="console_link")
    worded = refusals("console_refused")
    router.message.register(cmd_console, Command("console"), PRIVATE, flags=worded)
    router.message.register(in_group, Command("console"), flags=worded)
    return router
