"""What happens to group records: the bot joins or leaves, a group migrates, a group is bound."""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from models.access import Actor, Refused, acting
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
    token_expired = "token_expired"
    token_used = "token_used"


class BindRefusal(enum.StrEnum):
    """Why a /bind was refused (audited as `refused:<reason>`)."""

    not_allowed = "not_allowed"  # the new node is not theirs
    rebind_not_allowed = "rebind_not_allowed"  # the group's current node is not theirs
    rebind_token = "rebind_token"  # the token's issuer does not cover the group's current node


@dataclass(frozen=True)
class BindOutcome:
    status: BindStatus
    node: Node | None = None
    group: Group | None = None


async def bind_group(
    session: AsyncSession, chat_id: int, argument: str, who: Actor | int, now: datetime
) -> BindOutcome:
    """Bind by node code (staff covering that node) or by a one-time token (anyone).

    Moving a group that is already bound to another node needs staff covering both nodes: by
    code, the sender; by token, the staff member the token was issued by (read now, at
    redemption). Raises Refused(BindRefusal...) otherwise; nothing is changed then.
    """
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
        assert node is not None
        await _check_move(session, group, node, token=token)
        token.used_at, token.used_by_chat_id = now, chat_id
    else:
        node = await node_by_code(session, argument)
        if node is None:
            return BindOutcome(BindStatus.unknown_node)
        if not actor.covers(node):
            raise Refused(BindRefusal.not_allowed, code=argument)
        await _check_move(session, group, node, actor=actor)
    if group.node_id == node.id:
        await session.flush()
        return BindOutcome(BindStatus.unchanged, node=node, group=group)
    group.node_id, group.bound_at, group.bound_by_user_id = node.id, now, actor.user_id
    group.active = True
    await session.flush()
    return BindOutcome(BindStatus.bound, node=node, group=group)


async def _check_move(
    session: AsyncSession,
    group: Group,
    node: Node,
    *,
    actor: Actor | None = None,
    token: BindToken | None = None,
) -> None:
    """Refuse moving a group bound elsewhere unless the one vouching covers its current node:
    the sender of a code, or the issuer of a token (who must also still cover the new node)."""
    if group.node_id is None or group.node_id == node.id:
        return
    current = await session.get(Node, group.node_id)
    assert current is not None
    if token is None:
        assert actor is not None
        if not actor.covers(current):
            raise Refused(BindRefusal.rebind_not_allowed, code=node.code, current=current.code)
        return
    issuer = await acting(session, token.issued_by_user_id) if token.issued_by_user_id else None
    if issuer is None or not (issuer.covers(current) and issuer.covers(node)):
        raise Refused(BindRefusal.rebind_token, code=node.code, current=current.code)


async def _token(session: AsyncSession, text: str) -> BindToken | None:
    result = await session.execute(select(BindToken).where(BindToken.token == text.strip()))
    return result.scalar_one_or_none()


async def create_bind_token(
    session: AsyncSession,
    code: str,
    ttl: timedelta,
    now: datetime,
    issued_by: Actor | int | None = None,
) -> BindToken:
    """A one-time token for `code`. Issued by a staff member (who must cover the node), it
    may also move a group bound elsewhere that they cover; without an issuer (the command
    line's operator) it binds only groups that are not bound yet."""
    node = await node_by_code(session, code)
    if node is None:
        raise LookupError(f"no node with code {code!r}")
    assert node.id is not None
    issuer = await acting(session, issued_by) if issued_by is not None else None
    if issuer is not None and not issuer.covers(node):
        raise Refused(BindRefusal.not_allowed, code=node.code)
    token = BindToken(
        token=f"BIND-{secrets.token_hex(5).upper()}",
        node_id=node.id,
        created_at=now,
        expires_at=now + ttl,
        issued_by_user_id=issuer.user_id if issuer is not None else None,
    )
    session.add(token)
    await session.flush()
    return token
