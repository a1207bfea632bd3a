"""Checks on the staff rows of an import: one plan per person key, their roles, their ids."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from models.importer_state import DbPerson, DbState
from models.people import RoleKind
from models.treefile_rows import RowError, StaffRow

PERSON_FIELDS = ("name", "phone", "telegram_id", "telegram_username")


@dataclass
class PersonPlan:
    """A person as the file describes them. A field left empty on one row of the person may
    be given on another; two different non-empty values conflict."""

    key: str
    name: str
    phone: str | None = None
    telegram_id: int | None = None
    telegram_username: str | None = None
    lines: dict[str, int] = field(default_factory=dict)  # field -> line that gave it
    roles: set[tuple[str, RoleKind]] = field(default_factory=set)  # (node code, kind)

    @classmethod
    def from_row(cls, row: StaffRow) -> PersonPlan:
        plan = cls(row.person, row.name)
        plan.merge(row)
        return plan

    def merge(self, row: StaffRow) -> str | None:
        """Take the row's values; a description of the conflicts, if any."""
        conflicts: list[str] = []
        for name in PERSON_FIELDS:
            new, old = getattr(row, name), getattr(self, name)
            if new is None:
                continue
            if name not in self.lines:
                setattr(self, name, new)
                self.lines[name] = row.line
            elif old != new:
                conflicts.append(f"{name} '{new}' differs from '{old}' on line {self.lines[name]}")
        self.roles.add((row.node, row.role))
        if not conflicts:
            return None
        return f"conflicting data for person '{self.key}': {'; '.join(conflicts)}"


def check_staff(
    rows: Iterable[StaffRow],
    node_known: Callable[[str], bool],
    broken: Mapping[str, int],
    state: DbState,
) -> tuple[dict[str, PersonPlan], list[RowError]]:
    plans: dict[str, PersonPlan] = {}
    errors: list[RowError] = []
    for row in rows:
        if not node_known(row.node):
            if row.node in broken:
                reason = f"node '{row.node}' is not imported: its row (line {broken[row.node]}) "
                errors.append(RowError(row.line, reason + "has errors"))
            else:
                errors.append(RowError(row.line, f"unknown node '{row.node}'"))
        plan = plans.get(row.person)
        if plan is None:
            plans[row.person] = PersonPlan.from_row(row)
        elif (conflict := plan.merge(row)) is not None:
            errors.append(RowError(row.line, conflict))
    return plans, errors + telegram_problems(plans, state)


def telegram_problems(plans: Mapping[str, PersonPlan], state: DbState) -> list[RowError]:
    """Each Telegram id may belong to one person, in the file and after the import."""
    errors: list[RowError] = []
    owners: dict[int, PersonPlan] = {}
    for plan in plans.values():
        tg = plan.telegram_id
        if tg is None:
            continue
        line = plan.lines["telegram_id"]
        other = owners.setdefault(tg, plan)
        if other is not plan:
            where = other.lines["telegram_id"]
            reason = f"telegram_id {tg} is already used by person '{other.key}' (line {where})"
            errors.append(RowError(line, reason))
            continue
        holder = state.by_telegram.get(tg)
        # A holder listed in the file gives the id up or collides above.
        if holder is None or holder.key == plan.key or holder.key in plans:
            continue
        reason = f"telegram_id {tg} is already used by another person ({describe(holder)})"
        errors.append(RowError(line, reason))
    return errors


def describe(person: DbPerson) -> str:
    if person.key is None:
        return f"{person.name}, who has no person key"
    return f"'{person.key}', {person.name}"
