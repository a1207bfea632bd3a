"""Where the copies of a broadcast landed: per group, the chat and every part's message id
(what an edit changes, and what a later deletion would need)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from broadcasts.counting import DELIVERY
from models.broadcasts import DeliveryStatus


@dataclass(frozen=True)
class Copy:
    """Where one group's copy of a broadcast landed: its chat and every part's message id."""

    chat_id: int
    message_ids: tuple[int, ...]


async def delivered_copies(
    session: AsyncSession, broadcast_id: int, group_ids: Iterable[int] | None = None
) -> dict[int, Copy]:
    """Group id → its delivered copy (all groups, or only `group_ids`), in one query."""
    query = select(
        DELIVERY.c.group_id, DELIVERY.c.chat_id, DELIVERY.c.message_id, DELIVERY.c.message_ids
    ).where(
        DELIVERY.c.broadcast_id == broadcast_id,
        DELIVERY.c.status == DeliveryStatus.delivered.value,
    )
    if group_ids is not None:
        query = query.where(DELIVERY.c.group_id.in_(list(group_ids)))
    out: dict[int, Copy] = {}
    for group_id, chat_id, message_id, message_ids in (await session.execute(query)).all():
        ids = json.loads(message_ids) if message_ids else [message_id]
        out[int(group_id)] = Copy(int(chat_id), tuple(int(i) for i in ids if i is not None))
    return out


async def delivered_message_ids(session: AsyncSession, broadcast_id: int) -> dict[int, list[int]]:
    """Chat id → every message id of the delivered parts (for later edits or deletion)."""
    copies = await delivered_copies(session, broadcast_id)
    return {copy.chat_id: list(copy.message_ids) for copy in copies.values()}
