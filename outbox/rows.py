"""The outbox rows' states, as the courier moves them: pending → sending → sent | failed.

Each function runs in the caller's transaction; the courier commits one per step, so the state
in the database is always what has happened (a row is `sending` only while its request may be
on its way).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from models.outgoing import OutgoingMessage, OutStatus

Batches = dict[int, list[OutgoingMessage]]


async def due_batches(
    session: AsyncSession, now: datetime, chats: int, busy: list[int]
) -> Batches:
    """Due rows of up to `chats` chats not in `busy`, each chat's in written order; the first
    row of each is marked `sending` (it leaves now)."""
    query = (
        select(OutgoingMessage)
        .where(
            col(OutgoingMessage.status) == OutStatus.pending,
            or_(col(OutgoingMessage.not_before).is_(None), col(OutgoingMessage.not_before) <= now),
        )
        .order_by(col(OutgoingMessage.priority), col(OutgoingMessage.id))
        .limit(chats * 8)
    )
    if busy:
        query = query.where(col(OutgoingMessage.chat_id).not_in(busy))
    rows = list((await session.execute(query)).scalars())
    batches: Batches = {}
    for row in rows:
        if row.chat_id in batches or len(batches) < chats:
            batches.setdefault(row.chat_id, []).append(row)
    for chat_rows in batches.values():
        chat_rows.sort(key=lambda r: r.id or 0)  # a chat hears things in written order
        await set_row(session, chat_rows[0], status=OutStatus.sending)
    for row in rows:
        session.expunge(row)
    return batches


async def set_row(session: AsyncSession, row: OutgoingMessage, **values: Any) -> None:
    await session.execute(
        update(OutgoingMessage).where(col(OutgoingMessage.id) == row.id).values(**values)
    )


async def claim_row(session: AsyncSession, row: OutgoingMessage) -> bool:
    """pending → sending; False when the row is no longer pending."""
    result = await session.execute(
        update(OutgoingMessage)
        .where(col(OutgoingMessage.id) == row.id, col(OutgoingMessage.status) == OutStatus.pending)
        .values(status=OutStatus.sending)
    )
    return bool(getattr(result, "rowcount", 0))


async def release(
    session: AsyncSession, rows: list[OutgoingMessage], *, possibly_duplicate: bool = False
) -> None:
    """Rows this courier holds as `sending` go back to `pending` (nothing left for them);
    with `possibly_duplicate`, rows whose request may have left."""
    ids = [row.id for row in rows]
    values: dict[str, Any] = {"status": OutStatus.pending}
    if possibly_duplicate:
        values["possibly_duplicate"] = True
    if ids:
        await session.execute(
            update(OutgoingMessage)
            .where(
                col(OutgoingMessage.id).in_(ids), col(OutgoingMessage.status) == OutStatus.sending
            )
            .values(**values)
        )


async def recover(session: AsyncSession) -> int:
    """Rows a crash left `sending` become pending again, flagged as possibly duplicated."""
    result = await session.execute(
        update(OutgoingMessage)
        .where(col(OutgoingMessage.status) == OutStatus.sending)
        .values(status=OutStatus.pending, possibly_duplicate=True)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def move_chat(session: AsyncSession, old_chat: int, new_chat: int) -> None:
    """A group that became a supergroup: its rows go to the new chat id."""
    await session.execute(
        update(OutgoingMessage)
        .where(col(OutgoingMessage.chat_id) == old_chat)
        .values(chat_id=new_chat)
    )
