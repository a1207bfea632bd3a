"""已阅 marks: one per person and broadcast, and the read roll-up down the target's tree."""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, func, select

from broadcasts.branches import Targets, load_targets
from models.broadcast_totals import count_read
from models.broadcasts import Broadcast, BroadcastRead
from models.group_service import group_by_chat
from models.tree import Node


class ReadOutcome(enum.StrEnum):
    recorded = "recorded"
    already = "already"  # this person confirmed before: nothing changes
    unknown = "unknown"  # no such broadcast, or it has no 已阅 button


async def record_read(
    session: AsyncSession, broadcast_id: int, user_id: int, chat_id: int, now: datetime
) -> ReadOutcome:
    """Record that `user_id` pressed 已阅 under a copy in chat `chat_id` (once per person)."""
    broadcast = await session.get(Broadcast, broadcast_id)
    if broadcast is None or not broadcast.read_button:
        return ReadOutcome.unknown
    if await _read_before(session, broadcast_id, user_id):
        return ReadOutcome.already
    group = await group_by_chat(session, chat_id)
    mark = BroadcastRead(
        broadcast_id=broadcast_id,
        user_id=user_id,
        group_id=group.id if group else None,
        read_at=now,
    )
    try:
        async with session.begin_nested():  # a concurrent second press loses here, cleanly
            session.add(mark)
    except IntegrityError:
        return ReadOutcome.already
    await count_read(session, broadcast_id, mark.group_id)
    return ReadOutcome.recorded


async def _read_before(session: AsyncSession, broadcast_id: int, user_id: int) -> bool:
    result = await session.execute(
        select(col(BroadcastRead.id)).where(
            BroadcastRead.broadcast_id == broadcast_id, BroadcastRead.user_id == user_id
        )
    )
    return result.first() is not None


@dataclass(frozen=True)
class Branch:
    """Read figures for one part of the target (a child node, or the target's own groups)."""

    node: Node
    groups: int  # target groups
    reached: int  # groups the broadcast was delivered to
    reads: int  # people who pressed 已阅
    groups_read: int  # reached groups where at least one person pressed 已阅

    @property
    def read_rate(self) -> float:
        """Share of the reached groups where someone confirmed reading."""
        return self.groups_read / self.reached if self.reached else 0.0


@dataclass(frozen=True)
class ReadRollup:
    broadcast: Broadcast
    path: str
    total: Branch
    branches: list[Branch]  # worst read rate first


async def read_rollup(session: AsyncSession, broadcast_id: int) -> ReadRollup:
    """Groups reached and 已阅 marks: the target's total and per child node, worst first."""
    broadcast = await session.get(Broadcast, broadcast_id)
    if broadcast is None:
        raise LookupError(f"no broadcast {broadcast_id}")
    targets = await load_targets(session, broadcast)
    per_group = await session.execute(
        select(col(BroadcastRead.group_id), func.count())
        .where(BroadcastRead.broadcast_id == broadcast_id)
        .group_by(col(BroadcastRead.group_id))
    )
    reads: Counter[int] = Counter()
    groups_read: Counter[int] = Counter()
    for group_id, count in per_group.all():
        branch = targets.branch_of_group.get(group_id) if group_id is not None else None
        if branch is not None:  # a press outside the targets is stored, not counted here
            reads[branch] += int(count)
            groups_read[branch] += 1
    branches = [_branch(targets, n, reads, groups_read) for n in targets.used_branches()]
    branches.sort(key=lambda b: (b.read_rate, b.reads, b.node.code))
    total = Branch(
        node=targets.node,
        groups=sum(b.groups for b in branches),
        reached=sum(b.reached for b in branches),
        reads=sum(b.reads for b in branches),
        groups_read=sum(b.groups_read for b in branches),
    )
    return ReadRollup(broadcast=broadcast, path=targets.path, total=total, branches=branches)


def _branch(
    targets: Targets, node: Node, reads: Counter[int], groups_read: Counter[int]
) -> Branch:
    assert node.id is not None
    return Branch(
        node=node,
        groups=targets.groups[node.id],
        reached=targets.reached[node.id],
        reads=reads[node.id],
        groups_read=groups_read[node.id],
    )
