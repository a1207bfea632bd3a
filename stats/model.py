"""The figures of one subtree over one period, and the shares derived from them (pure)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from core.vocabulary import Category, ReviewStatus
from models.tickets import Rating, TicketStatus
from models.tree import Level, Node
from models.work import WorkKind
from stats.period import Period

DONE_STATUSES = (TicketStatus.resolved, TicketStatus.closed)
PLEASED = (Rating.satisfied, Rating.basically_satisfied)


@dataclass
class Headcount:
    total: int
    answered_grids: int
    missing_grids: int


@dataclass
class Figures:
    """Counts add up across children; quantiles (seconds) and headcount are computed per scope."""

    by_category: Counter[Category] = field(default_factory=Counter)
    by_status: Counter[TicketStatus] = field(default_factory=Counter)
    by_rating: Counter[Rating] = field(default_factory=Counter)
    escalations: Counter[Level] = field(default_factory=Counter)
    broadcast_ids: set[int] = field(default_factory=set)  # broadcasts that reached the scope
    copies: int = 0  # deliveries of those broadcasts to groups in the scope
    delivered: int = 0
    read_offered: int = 0  # delivered copies that carried a 已阅 button
    read: int = 0  # of those, copies someone in the group marked as read
    work_logs: Counter[WorkKind] = field(default_factory=Counter)
    reviews: Counter[ReviewStatus] = field(default_factory=Counter)  # 可能需要关注, by status
    reviews_escalated: int = 0  # of those, unanswered in time and sent up a level
    claim_p50: float | None = None
    claim_p90: float | None = None
    resolve_p50: float | None = None
    resolve_p90: float | None = None
    headcount: Headcount | None = None

    @property
    def broadcasts(self) -> int:
        return len(self.broadcast_ids)

    @property
    def tickets(self) -> int:
        return sum(self.by_status.values())

    @property
    def resolved(self) -> int:
        return sum(self.by_status[s] for s in DONE_STATUSES)

    @property
    def open(self) -> int:
        return self.tickets - self.resolved

    @property
    def rated(self) -> int:
        return sum(self.by_rating.values())

    @property
    def pleased(self) -> int:
        return sum(self.by_rating[r] for r in PLEASED)

    @property
    def resolved_share(self) -> float | None:
        """办结率: resolved or closed among the tickets opened in the period."""
        return _share(self.resolved, self.tickets)

    @property
    def satisfied_share(self) -> float | None:
        """满意率: 满意 or 基本满意 among the rated tickets."""
        return _share(self.pleased, self.rated)

    @property
    def delivery_rate(self) -> float | None:
        return _share(self.delivered, self.copies)

    @property
    def read_rate(self) -> float | None:
        return _share(self.read, self.read_offered)

    def add_counts(self, other: Figures) -> None:
        self.by_category.update(other.by_category)
        self.by_status.update(other.by_status)
        self.by_rating.update(other.by_rating)
        self.escalations.update(other.escalations)
        self.work_logs.update(other.work_logs)
        self.reviews.update(other.reviews)
        self.reviews_escalated += other.reviews_escalated
        self.broadcast_ids |= other.broadcast_ids
        self.copies += other.copies
        self.delivered += other.delivered
        self.read_offered += other.read_offered
        self.read += other.read


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class Part:
    """One child of the scope (or the scope node itself, for what happened at its own level)."""

    node: Node
    figures: Figures
    own_level: bool = False


@dataclass
class Report:
    node: Node
    path: str
    period: Period
    total: Figures
    parts: list[Part]  # worst first (see stats.breakdown)
    daily: dict[date, Counter[Category]] | None = None  # tickets per local day by category
    failed_updates: int | None = None  # district only: updates the bot failed to handle
