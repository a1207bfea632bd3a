"""Checks on the node rows of an import, against the file itself and the stored tree."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from models.importer_state import DbNode, DbState
from models.tree import Level, level_fits_under
from models.treefile_rows import NodeRow, RowError


class FinalTree:
    """The tree as it would be after the import: the file's rows over the stored nodes."""

    def __init__(self, rows: Mapping[str, NodeRow], state: DbState) -> None:
        self.rows = rows
        self.state = state

    def __contains__(self, code: str) -> bool:
        return code in self.rows or code in self.state.nodes

    def parent_of(self, code: str) -> str | None:
        if code in self.rows:
            return self.rows[code].parent
        return self.state.parent_code(code) if code in self.state.nodes else None

    def level_of(self, code: str) -> Level | None:
        if code in self.rows:
            return self.rows[code].level
        node = self.state.nodes.get(code)
        return None if node is None else node.level


def check_nodes(
    rows: Iterable[NodeRow], state: DbState, broken: Mapping[str, int]
) -> tuple[dict[str, NodeRow], list[RowError]]:
    """The rows by code (first of duplicates) and every problem found, with its line."""
    accepted: dict[str, NodeRow] = {}
    errors: list[RowError] = []
    for row in rows:
        first = accepted.setdefault(row.code, row)
        if first is not row:
            errors.append(
                RowError(row.line, f"duplicate code '{row.code}' (first on line {first.line})")
            )
    tree = FinalTree(accepted, state)
    cycles = find_cycles(accepted, tree.parent_of)
    for row in accepted.values():
        problem = cycle_text(cycles[row.code]) if row.code in cycles else None
        problem = problem or parent_problem(row, tree, broken)
        if problem is not None:
            errors.append(RowError(row.line, problem))
    errors += stranded_children(accepted, state)
    return accepted, errors


def find_cycles(
    codes: Iterable[str], parent_of: Callable[[str], str | None]
) -> dict[str, list[str]]:
    """For each code on a parent cycle, the cycle starting at that code (child → parent)."""
    done: set[str] = set()
    cycles: dict[str, list[str]] = {}
    for start in codes:
        path: list[str] = []
        position: dict[str, int] = {}
        code: str | None = start
        while code is not None and code not in done and code not in position:
            position[code] = len(path)
            path.append(code)
            code = parent_of(code)
        if code is not None and code in position:
            loop = path[position[code] :]
            for i, member in enumerate(loop):
                cycles[member] = loop[i:] + loop[:i]
        done.update(path)
    return cycles


def cycle_text(loop: list[str]) -> str:
    chain = " → ".join([*loop, loop[0]])
    return f"cycle: {chain} (→ points to the parent; a node cannot sit under its own descendant)"


def parent_problem(row: NodeRow, tree: FinalTree, broken: Mapping[str, int]) -> str | None:
    if row.parent is None:
        if row.level is Level.district:
            return None
        return f"a {row.level.value} needs a parent; only a district may be a root"
    parent_level = tree.level_of(row.parent)
    if parent_level is None:
        if row.parent in broken:
            return (
                f"parent '{row.parent}' is not imported: its row (line {broken[row.parent]}) "
                "has errors"
            )
        return f"unknown parent '{row.parent}'"
    if row.level is Level.district:
        return "a district is a root and cannot have a parent"
    if not level_fits_under(row.level, parent_level):
        return (
            f"level {row.level.value} does not fit under parent '{row.parent}' "
            f"({parent_level.value}); a child must be below its parent's level"
        )
    return None


def stranded_children(rows: Mapping[str, NodeRow], state: DbState) -> list[RowError]:
    """A stored child not in the file must still fit under a parent whose level changes.

    Children are reported in code order: the stored order differs between databases.
    """
    changed = {
        state.nodes[r.code].id: r
        for r in rows.values()
        if r.code in state.nodes and state.nodes[r.code].level is not r.level
    }
    if not changed:
        return []
    errors: list[RowError] = []
    children: dict[int, list[DbNode]] = {}
    for node in state.nodes.values():
        if node.parent_id in changed and node.code not in rows:
            children.setdefault(node.parent_id, []).append(node)
    for parent_id, row in changed.items():
        for child in sorted(children.get(parent_id, []), key=lambda n: n.code):
            if not level_fits_under(child.level, row.level):
                reason = f"level {row.level.value} would not be above its existing child"
                errors.append(RowError(row.line, f"{reason} '{child.code}' ({child.level.value})"))
    return errors
