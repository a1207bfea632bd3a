"""What one ticket or work-log entry adds to the daily totals (pure; see models/totals.py)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import TypeVar

from core.vocabulary import Category, Level, Rating, TicketStatus, WorkKind
from models.totals import (
    CATEGORY,
    CLAIM,
    DAILY_TIMING_DEPTH,
    ESCALATED,
    RATING,
    RESOLVE,
    STATUS,
    WORK,
    bucket_of,
    column_name,
)
from models.tree import lineage_ids

Timings = Counter[tuple[str, int]]  # (measure, bucket) → tickets
K = TypeVar("K", str, tuple[str, int])


@dataclass(frozen=True)
class TicketFacts:
    """The fields of a ticket the figures read, as stored now."""

    lineage: str  # of the node it was reported at
    created_at: datetime
    category: Category
    status: TicketStatus
    rating: Rating | None
    claimed_at: datetime | None
    resolved_at: datetime | None
    escalations: Counter[Level] = field(default_factory=Counter)  # events, by level reached


@dataclass(frozen=True)
class Share:
    """One ticket's (or entry's) part of the totals: the same counts on every node above it."""

    node_ids: tuple[int, ...]
    day: date
    counts: Counter[str]  # daily_total column → amount
    timings: Timings

    @property
    def month(self) -> date:
        return self.day.replace(day=1)

    @property
    def daily_timing_ids(self) -> tuple[int, ...]:
        """The nodes that keep this share's timings by day too (models/totals.py)."""
        return self.node_ids[:DAILY_TIMING_DEPTH]


def local_day(moment: datetime, zone: tzinfo) -> date:
    return moment.astimezone(zone).date()


def ticket_share(facts: TicketFacts, zone: tzinfo) -> Share:
    counts: Counter[str] = Counter(
        {
            column_name(CATEGORY, facts.category.value): 1,
            column_name(STATUS, facts.status.value): 1,
        }
    )
    if facts.rating is not None:
        counts[column_name(RATING, facts.rating.value)] += 1
    for level, times in facts.escalations.items():
        counts[column_name(ESCALATED, level.value)] += times
    timings: Timings = Counter()
    for measure, later in ((CLAIM, facts.claimed_at), (RESOLVE, facts.resolved_at)):
        if later is not None:
            timings[(measure, bucket_of((later - facts.created_at).total_seconds()))] += 1
    node_ids = tuple(lineage_ids(facts.lineage))
    return Share(node_ids, local_day(facts.created_at, zone), counts, timings)


def work_log_share(lineage: str, kind: WorkKind, created_at: datetime, zone: tzinfo) -> Share:
    counts = Counter({column_name(WORK, kind.value): 1})
    return Share(tuple(lineage_ids(lineage)), local_day(created_at, zone), counts, Counter())


def difference(after: Counter[K], before: Counter[K]) -> dict[K, int]:
    """after − before, keeping negative amounts (Counter subtraction drops them)."""
    keys = set(after) | set(before)
    return {key: after[key] - before[key] for key in keys if after[key] != before[key]}
