"""The live progress message of a broadcast, through the outbox like every other message.

The handler that creates a broadcast writes its first progress message in the same
transaction (`announce`); as the engine reports progress, `ProgressEdits` writes an edit of
that message (one pending edit at most: a newer figure replaces an unsent one), ending with
the delivery report. The courier sends them after each commit.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from broadcasts.pin_results import write_results
from broadcasts.progress import Progress
from broadcasts.reporting import broadcast_report
from broadcasts.service import Counts, delivery_counts
from core.db import session_scope
from models.outgoing import OutgoingMessage, OutKind, OutStatus, Priority
from outbox.write import edit, say
from templates import render

PROGRESS = "broadcast_progress"


def announce(
    session: AsyncSession,
    chat_id: int,
    broadcast_id: int,
    total: int,
    reply_to: int | None = None,
) -> None:
    """The first progress message, written with the broadcast it is about (a reply to the
    command that sent it, when there is one)."""
    text = render(
        "broadcast_progress",
        id=broadcast_id,
        c=Counts(total=total, pending=total),
        finished=False,
        failures=[],
    )
    say(
        session,
        chat_id,
        text,
        reply_to=reply_to,
        priority=Priority.notice,
        purpose=PROGRESS,
        ref_id=broadcast_id,
    )


class ProgressEdits:
    """The engine's progress callback: an edit of each progress message of the broadcast."""

    def __init__(
        self, factory: async_sessionmaker[AsyncSession], committed: Callable[[], None]
    ) -> None:
        self._factory = factory
        self._committed = committed

    async def __call__(self, progress: Progress) -> None:
        async with session_scope(self._factory) as session:
            changed = await self.write(session, progress.broadcast_id)
        if changed:
            self._committed()

    async def write(self, session: AsyncSession, broadcast_id: int) -> bool:
        originals = (
            await session.execute(
                select(OutgoingMessage).where(
                    col(OutgoingMessage.purpose) == PROGRESS,
                    col(OutgoingMessage.ref_id) == broadcast_id,
                )
            )
        ).scalars()
        text = await _text(session, broadcast_id)
        changed = False
        for original in originals:
            changed |= await _edit_once(session, original, text)
        changed |= await write_results(session, broadcast_id)  # an alert's pin, once known
        return changed


async def _text(session: AsyncSession, broadcast_id: int) -> str:
    counts = (await delivery_counts(session, [broadcast_id]))[broadcast_id]
    report = await broadcast_report(session, broadcast_id) if not counts.remaining else None
    return render(
        "broadcast_progress",
        id=broadcast_id,
        c=counts,
        finished=report is not None,
        failures=[i.line() for i in report.failures][:20] if report else [],
    )


async def _edit_once(session: AsyncSession, original: OutgoingMessage, text: str) -> bool:
    edits = list(
        (
            await session.execute(
                select(OutgoingMessage)
                .where(
                    col(OutgoingMessage.edit_of) == original.id,
                    col(OutgoingMessage.kind) == OutKind.edit_text,
                )
                .order_by(col(OutgoingMessage.id))
            )
        ).scalars()
    )
    last = edits[-1].text if edits else original.text
    if text == last:
        return False
    waiting = [e for e in edits if e.status == OutStatus.pending]
    if waiting:
        waiting[-1].text = text  # not sent yet: the newest figure replaces it
        return True
    edit(session, original.chat_id, text, edit_of=original.id, priority=Priority.notice)
    return True
