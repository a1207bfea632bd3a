"""One broadcast's delivery report per child node of its target (the branches of
broadcasts/branches.py): copies delivered, pending, failed with each group's reason, blocked,
skipped and cancelled, counted from its outbox rows in one query."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broadcasts.branches import STATUS, branch_of, raw_status
from broadcasts.counting import CANCELLED_REASON
from broadcasts.reporting import DeliveryIssue
from models.broadcasts import Broadcast, BroadcastDelivery, DeliveryStatus
from models.groups import Group
from models.tree import Node


@dataclass
class BranchReport:
    """The copies aimed at one child node's groups (or at the target's own groups)."""

    node_id: int
    name: str
    code: str
    groups: int = 0
    delivered: int = 0
    pending: int = 0  # not yet sent (pending or being sent)
    failed: int = 0
    blocked: int = 0  # of the failed: the group refused the bot and is now inactive
    skipped: int = 0  # the group was inactive when the broadcast was made
    cancelled: int = 0  # never sent: the broadcast was cancelled first
    failures: list[DeliveryIssue] = field(default_factory=list)  # each failed group, why

    def add(self, status: DeliveryStatus, issue: DeliveryIssue, active: bool) -> None:
        self.groups += 1
        if status is DeliveryStatus.delivered:
            self.delivered += 1
        elif status in (DeliveryStatus.pending, DeliveryStatus.sending):
            self.pending += 1
        elif status is DeliveryStatus.failed:
            self.failed += 1
            self.blocked += 0 if active else 1
            self.failures.append(issue)
        elif issue.reason == CANCELLED_REASON:
            self.cancelled += 1
        else:
            self.skipped += 1


async def branch_reports(session: AsyncSession, broadcast: Broadcast) -> list[BranchReport]:
    """The report per child node of the target by code, the target's own groups last; only
    branches with at least one copy."""
    target = await session.get(Node, broadcast.node_id)
    if target is None:
        raise LookupError(f"broadcast {broadcast.id} targets a missing node")
    children = await session.scalars(
        select(Node).where(col(Node.parent_id) == target.id).order_by(col(Node.code))
    )
    reports = {
        n.id: BranchReport(n.id, n.name, n.code) for n in [*children, target] if n.id is not None
    }
    rows = await session.execute(
        select(
            raw_status(),
            col(BroadcastDelivery.error),
            col(BroadcastDelivery.chat_id),
            col(Group.id),
            col(Group.title),
            col(Group.active),
            col(Node.lineage),
        )
        .join(Group, col(Group.id) == col(BroadcastDelivery.group_id))
        .outerjoin(Node, col(Node.id) == col(Group.node_id))
        .where(col(BroadcastDelivery.broadcast_id) == broadcast.id)
        .order_by(col(BroadcastDelivery.seq))
    )
    for status, error, chat_id, group_id, title, active, lineage in rows.all():
        issue = DeliveryIssue(int(group_id or 0), str(title), chat_id, error or "")
        branch = reports[branch_of(target, lineage)]
        branch.add(STATUS[status], issue, bool(active))
    return [r for r in reports.values() if r.groups]


def totals(reports: list[BranchReport]) -> Counter[str]:
    """The branches' figures added up (they add up to the broadcast's own counts)."""
    keys = ("groups", "delivered", "pending", "failed", "blocked", "skipped", "cancelled")
    return Counter({k: sum(getattr(r, k) for r in reports) for k in keys})
