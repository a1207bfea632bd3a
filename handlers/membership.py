"""The bot joins, leaves or follows a group that became a supergroup."""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.filters import JOIN_TRANSITION, LEAVE_TRANSITION, ChatMemberUpdatedFilter
from aiogram.types import ChatMemberUpdated, Message
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from handlers.common import GROUP_CHATS, send
from models.group_service import follow_migration, mark_bot_removed, record_bot_added
from templates import render

log = logging.getLogger("gridbot.membership")


async def on_bot_added(
    event: ChatMemberUpdated, bot: Bot, session: AsyncSession, clock: Clock
) -> None:
    group = await record_bot_added(
        session, event.chat.id, event.chat.title or "", event.chat.type, clock.now()
    )
    log.info("bot added to chat %s (%s)", group.chat_id, group.title)
    if group.node_id is None:
        me = await bot.me()
        send(session, event.chat.id, render("greeting", bot_name=me.first_name))


async def on_bot_removed(event: ChatMemberUpdated, session: AsyncSession, clock: Clock) -> None:
    group = await mark_bot_removed(session, event.chat.id, clock.now())
    log.info("bot removed from chat %s; group kept as inactive: %s", event.chat.id, group)


async def on_migrated_away(message: Message, session: AsyncSession) -> None:
    assert message.migrate_to_chat_id is not None
    await follow_migration(
        session, message.chat.id, message.migrate_to_chat_id, message.chat.title or ""
    )
    log.info("group %s migrated to %s", message.chat.id, message.migrate_to_chat_id)


async def on_migrated_here(message: Message, session: AsyncSession) -> None:
    assert message.migrate_from_chat_id is not None
    await follow_migration(
        session, message.migrate_from_chat_id, message.chat.id, message.chat.title or ""
    )


def get_router() -> Router:
    router = Router(name="membership")
    in_group = F.chat.type.in_(GROUP_CHATS)
    router.my_chat_member.register(
        on_bot_added, ChatMemberUpdatedFilter(JOIN_TRANSITION), in_group
    )
    router.my_chat_member.register(
        on_bot_removed, ChatMemberUpdatedFilter(LEAVE_TRANSITION), in_group
    )
    router.message.register(on_migrated_away, F.migrate_to_chat_id)
    router.message.register(on_migrated_here, F.migrate_from_chat_id)
    return router
