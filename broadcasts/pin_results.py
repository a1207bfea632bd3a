"""What the alert's pin actually did, told once the broadcast has run.

A missing-person alert is pinned in every group and its 已找到 edit lifts the pin; both happen
after the commit, one group at a time, and a pin fails where the bot is not an admin. So the
confirmation a staff member gets says only what was asked; it is written with the purpose
`ALERT_RESULT` and the broadcast's id, and when that broadcast has no delivery left the
progress callback appends what happened (delivered, pinned or unpinned, and where not) to it,
as an edit through the outbox, keeping its buttons.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, func, select

from broadcasts.counting import delivery_counts
from models.broadcasts import Broadcast, BroadcastDelivery, DeliveryStatus, EditMode
from models.outgoing import OutgoingMessage, OutKind, Priority
from outbox.write import edit
from templates import render

ALERT_RESULT = "alert_result"  # outbox purpose; ref_id: the alert's (or its edit's) broadcast
NOT_PINNED = "not pinned"  # broadcasts/steps.py notes a copy sent but not pinned so
NOT_UNPINNED = "not unpinned"


@dataclass(frozen=True)
class PinFigures:
    total: int
    delivered: int
    failed: int
    pin_missed: int  # delivered copies whose pin (or unpin, for a found edit) was refused
    unpin: bool  # a 已找到 edit: the pin was to be lifted

    @property
    def pin_took(self) -> int:
        return self.delivered - self.pin_missed


async def pin_figures(session: AsyncSession, broadcast_id: int) -> PinFigures | None:
    """The broadcast's outcome, or None while copies remain to be sent."""
    broadcast = await session.get(Broadcast, broadcast_id)
    counts = (await delivery_counts(session, [broadcast_id]))[broadcast_id]
    if broadcast is None or counts.remaining:
        return None
    unpin = broadcast.edit_mode == EditMode.found
    note = NOT_UNPINNED if unpin else NOT_PINNED
    missed = await session.execute(
        select(func.count()).where(
            col(BroadcastDelivery.broadcast_id) == broadcast_id,
            col(BroadcastDelivery.status) == DeliveryStatus.delivered,
            col(BroadcastDelivery.error).contains(note),
        )
    )
    return PinFigures(counts.total, counts.delivered, counts.failed, missed.scalar_one(), unpin)


async def write_results(session: AsyncSession, broadcast_id: int) -> bool:
    """Append the outcome to each ALERT_RESULT message of a finished broadcast, once."""
    originals = list(
        (
            await session.execute(
                select(OutgoingMessage).where(
                    col(OutgoingMessage.purpose) == ALERT_RESULT,
                    col(OutgoingMessage.ref_id) == broadcast_id,
                )
            )
        ).scalars()
    )
    if not originals:
        return False
    figures = await pin_figures(session, broadcast_id)
    if figures is None:
        return False
    changed = False
    for original in originals:
        done = await session.execute(
            select(OutgoingMessage.id).where(
                col(OutgoingMessage.edit_of) == original.id,
                col(OutgoingMessage.kind) == OutKind.edit_text,
            )
        )
        if done.first() is not None or original.text is None:
            continue
        text = f"{original.text}\n{render('alert_result', f=figures)}"
        row = edit(session, original.chat_id, text, edit_of=original.id, priority=Priority.notice)
        row.buttons = original.buttons
        changed = True
    return changed
