"""What an import did, and why one was refused."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields

from models.treefile_rows import RowError


@dataclass
class ImportReport:
    nodes_created: int = 0
    nodes_updated: int = 0
    nodes_unchanged: int = 0
    people_created: int = 0
    people_updated: int = 0
    roles_added: int = 0
    roles_removed: int = 0

    @property
    def changed(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self) if f.name != "nodes_unchanged")

    def summary(self) -> str:
        return (
            f"nodes: {self.nodes_created} created, {self.nodes_updated} updated, "
            f"{self.nodes_unchanged} unchanged; people: {self.people_created} created, "
            f"{self.people_updated} updated; roles: {self.roles_added} added, "
            f"{self.roles_removed} removed"
        )


class ImportFailed(Exception):
    """The file has bad rows; `errors` lists every one, by line. Nothing was written."""

    def __init__(self, errors: Iterable[RowError]) -> None:
        self.errors = sorted(errors, key=lambda e: e.line)
        shown = "; ".join(f"line {e.line}: {e.reason}" for e in self.errors[:3])
        more = f" (and {len(self.errors) - 3} more)" if len(self.errors) > 3 else ""
        super().__init__(f"{len(self.errors)} bad row(s): {shown}{more}")
