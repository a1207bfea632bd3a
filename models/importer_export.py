"""Export the stored tree and staff as rows, in the order a tree file lists them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.importer_state import node_columns
from models.people import Person, Role, RoleKind
from models.tree import Level, lineage_ids
from models.treefile_rows import NodeRow, StaffRow


async def export_tree(session: AsyncSession) -> tuple[list[NodeRow], list[StaffRow]]:
    """Nodes parent-first (by depth, then code); staff by person key, then node code.

    Line numbers are those the rows get in a CSV file (the header is line 1)."""
    result = await session.execute(select(*node_columns()))
    stored = list(result.all())
    codes = {id_: code for id_, code, *_ in stored}
    stored.sort(key=lambda n: (len(lineage_ids(n[5])), n[1]))
    nodes = [
        NodeRow(line, code, name, Level(level), None if parent_id is None else codes[parent_id])
        for line, (_, code, name, level, parent_id, _) in enumerate(stored, start=2)
    ]
    return nodes, await _staff(session, codes, first_line=len(nodes) + 2)


async def _staff(session: AsyncSession, codes: dict[int, str], first_line: int) -> list[StaffRow]:
    result = await session.execute(
        select(
            col(Person.key),
            col(Person.name),
            col(Person.phone),
            col(Person.telegram_user_id),
            col(Person.telegram_username),
            col(Role.node_id),
            col(Role.kind),
        )
        .join(Role, col(Role.person_id) == Person.id)
        .where(col(Person.key).is_not(None))
    )
    rows = sorted(result.all(), key=lambda r: (str(r[0]), codes[r[5]], r[6]))
    return [
        StaffRow(line, str(key), name, RoleKind(kind), codes[node_id], phone, tg, username)
        for line, (key, name, phone, tg, username, node_id, kind) in enumerate(
            rows, start=first_line
        )
    ]
