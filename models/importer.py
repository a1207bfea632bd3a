"""Import a tree file into the database (all-or-nothing, idempotent) and export it back.

An import is an upsert by node code and by person key: rows that match what is stored change
nothing, changed names, levels and parents are updated in place (lineages follow for whole
subtrees), nodes and people absent from the file are left alone, and each person in the file
ends up holding exactly the roles the file lists for them. Every row is checked first, against
the file and the stored tree; any bad row refuses the whole import before anything is written.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.importer_export import export_tree
from models.importer_node_writes import write_nodes
from models.importer_nodes import check_nodes
from models.importer_people import check_staff
from models.importer_people_writes import write_people, write_roles
from models.importer_report import ImportFailed, ImportReport
from models.importer_state import load_state
from models.treefile import TreeFileError, file_kind, read_tree_file, write_tree
from models.treefile_rows import NodeRow, RowError, StaffRow

__all__ = [
    "ImportFailed",
    "ImportReport",
    "export_file",
    "export_tree",
    "import_file",
    "import_tree",
]


async def import_tree(
    session: AsyncSession, nodes: Sequence[NodeRow], staff: Sequence[StaffRow]
) -> ImportReport:
    """Check every row, then write. Raises ImportFailed (having written nothing) on bad rows.

    The caller owns the transaction: commit after, or roll back on any exception."""
    return await _import(session, nodes, staff, [])


async def _import(
    session: AsyncSession,
    nodes: Sequence[NodeRow],
    staff: Sequence[StaffRow],
    parse_errors: Sequence[RowError],
) -> ImportReport:
    state = await load_state(session)
    broken = {e.code: e.line for e in parse_errors if e.code}
    accepted, node_errors = check_nodes(nodes, state, broken)
    plans, staff_errors = check_staff(
        staff, lambda code: code in accepted or code in state.nodes, broken, state
    )
    errors = [*parse_errors, *node_errors, *staff_errors]
    if errors:
        raise ImportFailed(errors)
    report = ImportReport()
    node_ids = await write_nodes(session, accepted, state, report)
    person_ids = await write_people(session, plans, state, report)
    await write_roles(session, plans, person_ids, node_ids, state, report)
    return report


async def import_file(
    path: Path | str, session_factory: async_sessionmaker[AsyncSession]
) -> ImportReport:
    """Parse `path` and import it in one transaction. Rows that cannot be parsed are reported
    together with every other bad row; a file that cannot be read at all is reported as line 0.
    """
    try:
        nodes, staff, parse_errors = read_tree_file(Path(path))
    except TreeFileError as exc:
        raise ImportFailed([RowError(0, str(exc))]) from exc
    async with session_factory() as session:
        try:
            report = await _import(session, nodes, staff, parse_errors)
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
    return report


async def export_file(path: Path | str, session_factory: async_sessionmaker[AsyncSession]) -> int:
    """Write the whole tree and its staff to `path` (format by extension; '-' is CSV on
    stdout); the number of rows written."""
    to_stdout = str(path) == "-"
    kind = "csv" if to_stdout else file_kind(Path(path))
    async with session_factory() as session:
        nodes, staff = await export_tree(session)
    content = write_tree(kind, nodes, staff)
    if to_stdout:
        sys.stdout.write(content)
    else:
        Path(path).write_text(content, encoding="utf-8")
    return len(nodes) + len(staff)
