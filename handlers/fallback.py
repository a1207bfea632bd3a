"""What nobody else took: an unknown command in private chat gets a pointer to /help."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from audit.log import AuditNote
from handlers.common import reply
from templates import render


async def on_unknown_command(message: Message, session: AsyncSession, audit: AuditNote) -> None:
    command = (message.text or "").split(maxsplit=1)[0].split("@", 1)[0]
    audit.unhandled()  # still recorded as a command nobody handles
    reply(session, message, render("unknown_command", command=command))


def get_router() -> Router:
    router = Router(name="fallback")
    router.message.register(on_unknown_command, F.chat.type == "private", F.text.startswith("/"))
    return router
