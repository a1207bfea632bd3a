"""What happens to group records: the bot joins or leaves, a group migrates, a group is bound."""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from models.access import Actor, acting
from models.base import utcnow
from models.group_merge import merge_duplicate
from models.groups import BindToken, Group
from models.tree import Node
from models.tree_service import node_by_code


async def group_by_chat(session: AsyncSession, chat_id: int) -> Group | None:
    result = await session.execute(select(Group).where(Group.chat_id == chat_id))
    return result.scalar_one_or_none()


async def record_bot_added(
    session: AsyncSession, chat_id: int, title: str, chat_type: str, now: datetime
) -> Group:
    """Record the group (unbound) or re-activate it if the bot had been removed before."""
    group = await group_by_chat(session, chat_id)
    if group is None:
        group = Group(chat_id=chat_id, title=title, chat_type=chat_type, added_at=now)
        session.add(group)
    else:
        group.title, group.chat_type, group.active, group.left_at = title, chat_type, True, None
    await session.flush()
    return group


async def mark_bot_removed(session: AsyncSession, chat_id: int, now: datetime) -> Group | None:
    group = await group_by_chat(session, chat_id)
    if group is not None and group.active:
        group.active, group.left_at = False, now
        await session.flush()
    return group


async def follow_migration(
    session: AsyncSession, old_chat_id: int, new_chat_id: int, title: str
) -> Group | None:
    """Move the group record to the supergroup's new id; idempotent, keeps the binding."""
    old = await group_by_chat(session, old_chat_id)
    new = await group_by_chat(session, new_chat_id)
    if old is None:
        return new
    if new is not None and new.id != old.id:
        # The new chat was recorded separately first; the old record carries the history.
        old.node_id = old.node_id or new.node_id
        await merge_duplicate(session, old, new, utcnow())
    old.chat_id, old.chat_type, old.migrated_from_chat_id = new_chat_id, "supergroup", old_chat_id
    old.title = title or old.title
    await session.flush()
    return old


class BindStatus(enum.StrEnum):
    bound = "bound"
    unchanged = "unchanged"
    unknown_group = "unknown_group"
    unknown_node = "unknown_node"
    not_allowed = "not_allowed"
    token_expired = "token_expired"
    token_used = "token_used"


@dataclass(frozen=True)
class BindOutcome:
    status: BindStatus
    node: Node | None = None
    group: Group | None = None


async def bind_group(
    session: AsyncSession, chat_id: int, argument: str, who: Actor | int, now: datetime
) -> BindOutcome:
    """Bind by node code (staff covering that node) or by a one-time token (anyone)."""
    actor = await acting(session, who)
    group = await group_by_chat(session, chat_id)
    if group is None:
        return BindOutcome(BindStatus.unknown_group)
    token = await _token(session, argument)
    if token is not None:
        if token.used_at is not None:
            return BindOutcome(BindStatus.token_used)
        if not token.usable_at(now):
            return BindOutcome(BindStatus.token_expired)
        node = await session.get(Node, token.node_id)
        token.used_at, token.used_by_chat_id = now, chat_id
    else:
        node = await node_by_code(session, argument)
        if node is None:
            return BindOutcome(BindStatus.unknown_node)
        if not actor.covers(node):
            return BindOutcome(BindStatus.not_allowed, node=node)
    assert node is not None
    if group.node_id == node.id:
        await session.flush()
        return BindOutcome(BindStatus.unchanged, node=node, group=group)
    group.node_id, group.bound_at, group.bound_by_user_id = node.id, now, actor.user_id
    group.active = True
    await session.flush()
    return BindOutcome(BindStatus.bound, node=node, group=group)


async def _token(session: AsyncSession, text: str) -> BindToken | None:
    result = await session.execute(select(BindToken).where(BindToken.token == text.strip()))
    return result.scalar_one_or_none()


async def create_bind_token(
    session: AsyncSession, code: str, ttl: timedelta, now: datetime
) -> BindToken:
    node = await node_by_code(session, code)
    if node is None:
        raise LookupError(f"no node with code {code!r}")
    assert node.id is not None
    token = BindToken(
        token=f"BIND-{secrets.token_hex(5).upper()}",
        node_id=node.id,
        created_at=now,
        expires_at=now + ttl,
    )
    session.add(token)
    await session.flush()
    return token
