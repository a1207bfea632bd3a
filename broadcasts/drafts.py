"""A draft composed in the chat or at the web console's 群发 desk becomes a queued (or
scheduled) broadcast: one function for both, so the scope check, the limits, the template
check and the rows are the same wherever it was composed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from broadcasts.service import create_broadcast
from models.access import ADMINS, Actor
from models.broadcasts import Broadcast, BroadcastKind
from models.tree import Node


@dataclass(frozen=True)
class Draft:
    """What an official composed: the target node, the text (a poll's question), a photo (a
    Telegram file id or a local file the sender uploads), 置顶, 已阅 and a poll's options."""

    node_id: int
    text: str
    photo: str | None = None
    pin: bool = False
    read: bool = False
    options: Sequence[str] | None = None  # given: a poll

    @property
    def is_poll(self) -> bool:
        return self.options is not None


async def create_from_draft(
    session: AsyncSession,
    actor: Actor,
    draft: Draft,
    now: datetime,
    scheduled_at: datetime | None = None,
) -> Broadcast:
    """The draft as a queued broadcast or poll, if the actor may (still) broadcast on its node;
    else Refused("scope"). BroadcastError says what is wrong with it."""
    node = actor.require_node(await session.get(Node, draft.node_id), ADMINS)
    person = actor.require(ADMINS, "role")
    assert node.id is not None
    return await create_broadcast(
        session,
        node_id=node.id,
        text=draft.text,
        photo=draft.photo,
        created_by=person.id,
        pin=draft.pin,
        read_button=draft.read,
        scheduled_at=scheduled_at,
        now=now,
        kind=BroadcastKind.poll if draft.is_poll else BroadcastKind.message,
        options=draft.options,
    )


async def create_draft(
    session: AsyncSession,
    actor: Actor,
    data: dict[str, Any],
    now: datetime,
    scheduled_at: datetime | None = None,
) -> Broadcast:
    """The chat's draft (its FSM data) as a queued broadcast; Refused("scope") if the actor may
    no longer broadcast there."""
    draft = Draft(
        node_id=data["node_id"],
        text=data["text"],
        photo=data.get("photo"),
        pin=bool(data.get("pin")),
        read=bool(data.get("read")),
    )
    return await create_from_draft(session, actor, draft, now, scheduled_at)


async def create_poll(
    session: AsyncSession, actor: Actor, data: dict[str, Any], now: datetime
) -> Broadcast:
    """The chat's poll draft (question, options) as a queued poll to its node; Refused when the
    actor may no longer ask there."""
    draft = Draft(node_id=data["node_id"], text=data["question"], options=data["options"])
    return await create_from_draft(session, actor, draft, now)
