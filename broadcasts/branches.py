"""A broadcast's target groups sorted into branches: one per child node of its target.

Roll-ups (已阅 counts, poll results) are reported per branch. Groups bound to the target node
itself (or no longer under it after a re-binding) form one more branch named after the target.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from models.broadcasts import Broadcast, BroadcastDelivery, DeliveryStatus
from models.groups import Group
from models.tree import Node, lineage_ids
from models.tree_service import ancestors_and_self, path_text


@dataclass
class Targets:
    """Where one broadcast went, by branch (a branch is keyed by its node id)."""

    broadcast: Broadcast
    node: Node
    path: str
    branches: list[Node]  # the target's children by code, then the target itself
    branch_of_group: dict[int, int] = field(default_factory=dict)  # group id -> branch
    groups: Counter[int] = field(default_factory=Counter)  # branch -> target groups
    reached: Counter[int] = field(default_factory=Counter)  # branch -> groups delivered to

    def used_branches(self) -> list[Node]:
        """The branches with at least one target group."""
        return [n for n in self.branches if self.groups[_id(n)]]


def _id(node: Node) -> int:
    assert node.id is not None
    return node.id


def branch_of(target: Node, lineage: str | None) -> int:
    """The child of `target` on the path to a node with `lineage` (or `target` itself)."""
    depth = len(lineage_ids(target.lineage))
    if lineage is None or not lineage.startswith(target.lineage):
        return _id(target)
    ids = lineage_ids(lineage)
    return ids[depth] if len(ids) > depth else _id(target)


async def load_targets(session: AsyncSession, broadcast: Broadcast) -> Targets:
    """Every outbox row of `broadcast`, sorted into its target's branches (one query)."""
    node = await session.get(Node, broadcast.node_id)
    if node is None:
        raise LookupError(f"broadcast {broadcast.id} targets a missing node")
    children = await session.execute(
        select(Node).where(Node.parent_id == node.id).order_by(col(Node.code))
    )
    targets = Targets(
        broadcast=broadcast,
        node=node,
        path=path_text(await ancestors_and_self(session, node)),
        branches=[*children.scalars(), node],
    )
    rows = await session.execute(
        select(col(BroadcastDelivery.group_id), col(BroadcastDelivery.status), col(Node.lineage))
        .join(Group, col(Group.id) == col(BroadcastDelivery.group_id))
        .outerjoin(Node, col(Node.id) == col(Group.node_id))
        .where(BroadcastDelivery.broadcast_id == broadcast.id)
    )
    for group_id, status, lineage in rows.all():
        branch = branch_of(node, lineage)
        targets.branch_of_group[int(group_id)] = branch
        targets.groups[branch] += 1
        if DeliveryStatus(status) is DeliveryStatus.delivered:
            targets.reached[branch] += 1
    return targets
