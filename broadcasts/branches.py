"""A broadcast's target groups sorted into branches: one per child node of its target.

Roll-ups (已阅 counts, poll results) are reported per branch. Groups bound to the target node
itself (or no longer under it after a re-binding) form one more branch named after the target.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, String, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from models.broadcasts import Broadcast, BroadcastDelivery, DeliveryStatus
from models.groups import Group
from models.tree import Node
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
    """The child of `target` on the path to a node with `lineage` (or `target` itself): the
    first id after the target's own lineage ('/1/7/42/99/' under '/1/7/' → 42)."""
    if lineage is None or not lineage.startswith(target.lineage):
        return _id(target)
    head = lineage[len(target.lineage) :].split("/", 1)[0]
    return int(head) if head else _id(target)


def raw_status() -> ColumnElement[str]:
    """A delivery's status as the stored text, not made an enum member row by row (thousands
    of rows per broadcast); `STATUS[text]` gives the member."""
    return type_coerce(col(BroadcastDelivery.status), String)


STATUS = {s.value: s for s in DeliveryStatus}


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
        select(col(BroadcastDelivery.group_id), raw_status(), col(Node.lineage))
        .join(Group, col(Group.id) == col(BroadcastDelivery.group_id))
        .outerjoin(Node, col(Node.id) == col(Group.node_id))
        .where(BroadcastDelivery.broadcast_id == broadcast.id)
    )
    for group_id, status, lineage in rows.all():
        branch = branch_of(node, lineage)
        targets.branch_of_group[int(group_id)] = branch
        targets.groups[branch] += 1
        if STATUS[status] is DeliveryStatus.delivered:
            targets.reached[branch] += 1
    return targets
