"""Writing the nodes of an import: bulk inserts level by level, bulk updates, lineages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.importer_report import ImportReport
from models.importer_state import NODE_ID, DbState
from models.tree import Node
from models.treefile_rows import NodeRow


async def write_nodes(
    session: AsyncSession, rows: Mapping[str, NodeRow], state: DbState, report: ImportReport
) -> dict[str, int]:
    """Create and update nodes, then fix every lineage that changed; node ids by code."""
    ids = {code: node.id for code, node in state.nodes.items()}
    parents: dict[int, int | None] = {node.id: node.parent_id for node in state.nodes.values()}
    lineages = {node.id: node.lineage for node in state.nodes.values()}
    new = [row for row in rows.values() if row.code not in state.nodes]
    for batch in parent_first(new):
        values = [{**_node_values(row, ids), "lineage": "/"} for row in batch]
        stmt = insert(Node).returning(col(Node.code), NODE_ID)
        ids.update({code: id_ for code, id_ in await session.execute(stmt, values)})
        for row in batch:
            parents[ids[row.code]] = _parent_id(row, ids)
            lineages[ids[row.code]] = "/"
    changed: list[dict[str, Any]] = []
    for row in rows.values():
        stored = state.nodes.get(row.code)
        if stored is None:
            continue
        parent_id = _parent_id(row, ids)
        if (stored.name, stored.level, stored.parent_id) == (row.name, row.level, parent_id):
            report.nodes_unchanged += 1
            continue
        changed.append({"id": stored.id, **_node_values(row, ids)})
        parents[stored.id] = parent_id
    await bulk_update(session, Node, changed)
    report.nodes_created += len(new)
    report.nodes_updated += len(changed)
    await bulk_update(session, Node, lineage_updates(parents, lineages))
    return ids


def parent_first(rows: Sequence[NodeRow]) -> list[list[NodeRow]]:
    """New rows in batches; a row's parent is stored already or in an earlier batch."""
    by_code = {row.code: row for row in rows}
    depth: dict[str, int] = {}

    def depth_of(row: NodeRow) -> int:
        if row.code not in depth:
            parent = by_code.get(row.parent) if row.parent is not None else None
            depth[row.code] = 0 if parent is None else depth_of(parent) + 1
        return depth[row.code]

    batches: dict[int, list[NodeRow]] = {}
    for row in rows:
        batches.setdefault(depth_of(row), []).append(row)
    return [batches[d] for d in sorted(batches)]


def lineage_updates(
    parents: Mapping[int, int | None], current: Mapping[int, str]
) -> list[dict[str, Any]]:
    """{id, lineage} for every node whose lineage differs from the one its parents give."""
    final: dict[int, str] = {}
    for node_id in parents:
        chain: list[int] = []
        cursor: int | None = node_id
        while cursor is not None and cursor not in final:
            chain.append(cursor)
            cursor = parents[cursor]
        prefix = "/" if cursor is None else final[cursor]
        for member in reversed(chain):
            prefix = final[member] = f"{prefix}{member}/"
    return [{"id": i, "lineage": final[i]} for i in parents if final[i] != current[i]]


def _parent_id(row: NodeRow, ids: Mapping[str, int]) -> int | None:
    return None if row.parent is None else ids[row.parent]


def _node_values(row: NodeRow, ids: Mapping[str, int]) -> dict[str, Any]:
    return {
        "code": row.code,
        "name": row.name,
        "level": row.level.value,
        "parent_id": _parent_id(row, ids),
    }


async def bulk_update(session: AsyncSession, table: type[Any], rows: list[dict[str, Any]]) -> None:
    if rows:
        await session.execute(update(table), rows)
