"""The web console's 群发 desk, reading side: the broadcasts an official may see (the rule of
broadcasts/management.py: ADMINS covering the target), newest first and paged, each with its
live progress from the outbox rows; one broadcast's delivery report per child node, its 已阅
roll-up and poll results (broadcasts/reads.py, broadcasts/polls.py); and cancelling, which is
the chat's `cancel_for` itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, func, select

from broadcasts.counting import Counts, delivery_counts
from broadcasts.desk_report import BranchReport, branch_reports
from broadcasts.management import Access, Cancelled, CancelOutcome, cancel_for, visible_broadcast
from broadcasts.polls import PollResults, poll_results
from broadcasts.reads import ReadRollup, read_rollup
from models.access import ADMINS, Actor, Refused
from models.broadcasts import Broadcast, BroadcastKind, BroadcastStatus
from models.tree import Node
from models.tree_service import ancestors_and_self, path_text

PER_PAGE = 20


@dataclass(frozen=True)
class LiveProgress:
    """Where a broadcast stands: copies delivered, failed and skipped of `total`."""

    state: BroadcastStatus
    total: int
    delivered: int
    failed: int
    skipped: int
    remaining: int  # pending or being sent

    @property
    def percent(self) -> int:
        """Share of the copies settled (delivered, failed or skipped), rounded down."""
        if self.total == 0:
            return 0 if self.state.is_open else 100
        return (self.total - self.remaining) * 100 // self.total


def live_progress(state: BroadcastStatus, counts: Counts) -> LiveProgress:
    return LiveProgress(
        state, counts.total, counts.delivered, counts.failed, counts.skipped, counts.remaining
    )


@dataclass(frozen=True)
class DeskRow:
    """One broadcast in the desk's list."""

    id: int
    node_code: str
    node_name: str
    kind: BroadcastKind
    text: str
    photo: bool
    pin: bool
    read_button: bool
    created_at: datetime
    scheduled_at: datetime | None
    progress: LiveProgress


@dataclass(frozen=True)
class DeskPage:
    rows: list[DeskRow]
    page: int  # from 0
    pages: int
    total: int  # broadcasts visible to the actor


async def desk_list(
    session: AsyncSession, actor: Actor, page: int = 0, per_page: int = PER_PAGE
) -> DeskPage:
    """The broadcasts and polls aimed inside the actor's broadcasting subtree, newest first,
    page `page` (clamped); Refused("role") for someone who may broadcast nowhere. Edits of
    alerts are not listed: they belong to their alert."""
    tops = actor.nodes(ADMINS)
    if not tops:
        raise Refused("role")
    inside = (
        select(Broadcast, Node)
        .join(Node, col(Node.id) == col(Broadcast.node_id))
        .where(
            or_(*(col(Node.lineage).startswith(top.lineage) for top in tops)),
            col(Broadcast.kind) != BroadcastKind.edit,
        )
    )
    total = int(await session.scalar(select(func.count()).select_from(inside.subquery())) or 0)
    pages = max(1, -(-total // per_page))
    page = min(max(page, 0), pages - 1)
    found = (
        await session.execute(
            inside.order_by(col(Broadcast.id).desc()).offset(page * per_page).limit(per_page)
        )
    ).all()
    counts = await delivery_counts(session, [b.id for b, _n in found if b.id is not None])
    rows = [_row(b, n, counts[b.id]) for b, n in found if b.id is not None]
    return DeskPage(rows, page, pages, total)


def _row(broadcast: Broadcast, node: Node, counts: Counts) -> DeskRow:
    assert broadcast.id is not None
    return DeskRow(
        id=broadcast.id,
        node_code=node.code,
        node_name=node.name,
        kind=broadcast.kind,
        text=broadcast.text,
        photo=broadcast.photo is not None,
        pin=broadcast.pin,
        read_button=broadcast.read_button,
        created_at=broadcast.created_at,
        scheduled_at=broadcast.scheduled_at,
        progress=live_progress(broadcast.status, counts),
    )


@dataclass(frozen=True)
class DeskDetail:
    row: DeskRow
    path: str  # the target's path from the district
    branches: list[BranchReport]  # delivery per child node (the target's own groups last)
    reads: ReadRollup | None  # with a 已阅 button
    poll: PollResults | None  # for a poll


async def desk_detail(session: AsyncSession, actor: Actor, broadcast_id: int) -> DeskDetail | None:
    """One broadcast with its report and roll-ups; None if there is none (or it is an edit);
    Refused("scope", number=…) outside the actor's subtree (worded as the chat's, which
    adds what="群发")."""
    access, broadcast = await visible_broadcast(session, actor, broadcast_id)
    if access is Access.refused:
        raise Refused("scope", number=broadcast_id)
    if broadcast is None or broadcast.kind is BroadcastKind.edit:
        return None
    node = await session.get(Node, broadcast.node_id)
    assert node is not None  # visible_broadcast found it
    counts = (await delivery_counts(session, [broadcast_id]))[broadcast_id]
    return DeskDetail(
        row=_row(broadcast, node, counts),
        path=path_text(await ancestors_and_self(session, node)),
        branches=await branch_reports(session, broadcast),
        reads=await read_rollup(session, broadcast_id) if broadcast.read_button else None,
        poll=await poll_results(session, broadcast_id)
        if broadcast.kind is BroadcastKind.poll
        else None,
    )


async def desk_cancel(
    session: AsyncSession, actor: Actor, broadcast_id: int, now: datetime
) -> Cancelled:
    """Cancel as the chat's 取消 does (broadcasts/management.py's `cancel_for`): the outcome
    says cancelled / stopped / finished / cancelled_before / unknown; Refused("scope", …)
    outside the actor's subtree. The caller commits, then removes the date job."""
    done = await cancel_for(session, actor, broadcast_id, now)
    if done.outcome is CancelOutcome.refused:
        raise Refused("scope", number=broadcast_id)
    return done
