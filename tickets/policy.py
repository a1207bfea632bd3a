"""Service levels and ticket settings, as plain values the workflow reads (no config imports)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta


@dataclass(frozen=True)
class Deadline:
    claim: timedelta
    resolve: timedelta


DEFAULT_SLA: dict[str, Deadline] = {
    "urgent": Deadline(timedelta(minutes=5), timedelta(hours=2)),
    "high": Deadline(timedelta(minutes=30), timedelta(hours=8)),
    "normal": Deadline(timedelta(hours=2), timedelta(hours=48)),
}


@dataclass(frozen=True)
class TicketPolicy:
    """How long each level has, how duplicates are merged, what goes back to the group."""

    sla: dict[str, Deadline] = field(default_factory=lambda: dict(DEFAULT_SLA))
    sla_by_category: dict[str, dict[str, Deadline]] = field(default_factory=dict)
    duplicate_window: timedelta = timedelta(minutes=30)
    feedback_window: timedelta = timedelta(hours=48)
    progress_to_group: bool = True
    # Levels told at once about a missing person, besides the grid's own workers.
    missing_person_levels: tuple[str, ...] = ("community", "town")

    def deadline(self, category: str, priority: str) -> Deadline:
        by_priority = self.sla_by_category.get(category, {})
        return by_priority.get(priority) or self.sla.get(priority) or DEFAULT_SLA["normal"]
