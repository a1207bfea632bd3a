"""Service levels and ticket settings, as plain values the workflow reads (no config imports)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from core.vocabulary import Category, Level, Priority


@dataclass(frozen=True)
class Deadline:
    claim: timedelta
    resolve: timedelta


DEFAULT_SLA: dict[Priority, Deadline] = {
    Priority.URGENT: Deadline(timedelta(minutes=5), timedelta(hours=2)),
    Priority.HIGH: Deadline(timedelta(minutes=30), timedelta(hours=8)),
    Priority.NORMAL: Deadline(timedelta(hours=2), timedelta(hours=48)),
}


@dataclass(frozen=True)
class TicketPolicy:
    """How long each level has, how duplicates are merged, what goes back to the group."""

    sla: dict[Priority, Deadline] = field(default_factory=lambda: dict(DEFAULT_SLA))
    sla_by_category: dict[Category, dict[Priority, Deadline]] = field(default_factory=dict)
    duplicate_window: timedelta = timedelta(minutes=30)
    feedback_window: timedelta = timedelta(hours=48)
    progress_to_group: bool = True
    # Levels told at once about a missing person, besides the grid's own workers.
    missing_person_levels: tuple[Level, ...] = (Level.community, Level.town)

    def deadline(self, category: Category, priority: Priority) -> Deadline:
        by_priority = self.sla_by_category.get(category, {})
        return by_priority.get(priority) or self.sla.get(priority) or DEFAULT_SLA[Priority.NORMAL]
