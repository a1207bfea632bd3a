"""Result types of message classification (categories and priorities: core/vocabulary.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.vocabulary import Category, Decision, Priority

# What the classifier can say: every category but `other`, which only an explicit /report gets.
CLASSIFIED: tuple[Category, ...] = tuple(c for c in Category if c is not Category.OTHER)

# Ties between categories go to the earlier one: the more serious kind of case wins.
CATEGORY_ORDER: tuple[Category, ...] = (
    Category.MISSING_PERSON,
    Category.SAFETY,
    Category.REPAIR,
    Category.DISPUTE,
    Category.ASSISTANCE,
    Category.ENVIRONMENT,
    Category.NONE,
)


@dataclass(frozen=True)
class Details:
    """Structured fields pulled out of the message text (simplified script)."""

    phones: tuple[str, ...] = ()
    ages: tuple[str, ...] = ()
    times: tuple[str, ...] = ()
    clothing: tuple[str, ...] = ()
    vehicles: tuple[str, ...] = ()

    def to_json_dict(self) -> dict[str, list[str]]:
        return {
            "phones": list(self.phones),
            "ages": list(self.ages),
            "times": list(self.times),
            "clothing": list(self.clothing),
            "vehicles": list(self.vehicles),
        }

    def __bool__(self) -> bool:
        return bool(self.phones or self.ages or self.times or self.clothing or self.vehicles)


EMPTY_DETAILS = Details()


@dataclass(frozen=True)
class Scores:
    """What the dictionary found in one message, before any decision."""

    norm: str  # the normalised text
    scores: dict[Category, float]
    matched: dict[Category, list[str]]
    boost: dict[Category, Priority]


@dataclass(frozen=True)
class Classification:
    """One message's category, priority, the dictionary terms that decided it, and details."""

    category: Category
    priority: Priority
    matched: tuple[str, ...] = ()
    details: Details = field(default=EMPTY_DETAILS)
    # What to do with it (open / review / ignore) and how sure the classifier is (0-1).
    # The keyword dictionary alone opens every case it finds, with no graded confidence.
    action: Decision | None = None
    confidence: float | None = None

    @property
    def decision(self) -> Decision:
        """The action to take; without a graded decision every case is opened."""
        if self.action is not None:
            return self.action
        return Decision.OPEN if self.is_case else Decision.IGNORE

    @property
    def is_case(self) -> bool:
        return self.category is not Category.NONE

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "category": self.category.value,
            "priority": self.priority.value,
            "matched": list(self.matched),
            "details": self.details.to_json_dict(),
            "action": self.decision.value,
            "confidence": self.confidence,
        }
