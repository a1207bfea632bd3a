"""A draft composed in the chat becomes a queued (or scheduled) broadcast."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from broadcasts.service import create_broadcast
from models.access import ADMINS, Actor
from models.broadcasts import Broadcast, BroadcastKind
from models.tree import Node


async def create_draft(
    session: AsyncSession,
    actor: Actor,
    data: dict[str, Any],
    now: datetime,
    scheduled_at: datetime | None = None,
) -> Broadcast:
    """The draft as a queued broadcast, if the actor may still broadcast there; else
    Refused("scope")."""
    node = actor.require_node(await session.get(Node, data["node_id"]), ADMINS)
    assert node.id is not None
    return await create_broadcast(
        session,
        node_id=node.id,
        text=data["text"],
        photo=data.get("photo"),
        created_by=actor.person.id if actor.person else None,
        pin=bool(data.get("pin")),
        read_button=bool(data.get("read")),
        scheduled_at=scheduled_at,
        now=now,
    )


async def create_poll(
    session: AsyncSession, actor: Actor, data: dict[str, Any], now: datetime
) -> Broadcast:
    """The poll draft (question, options) as a queued poll to its node; Refused when the actor
    may no longer ask there."""
    node = actor.require_node(await session.get(Node, data["node_id"]), ADMINS)
    person = actor.require(ADMINS, "role")
    assert node.id is not None
    return await create_broadcast(
        session,
        node_id=node.id,
        text=data["question"],
        created_by=person.id,
        kind=BroadcastKind.poll,
        options=data["options"],
        now=now,
    )
