"""Result types of message classification."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Category(StrEnum):
    """What a group message is about; `none` means it is not a case."""

    MISSING_PERSON = "missing_person"
    SAFETY = "safety"
    REPAIR = "repair"
    ENVIRONMENT = "environment"
    DISPUTE = "dispute"
    ASSISTANCE = "assistance"
    NONE = "none"


class Priority(StrEnum):
    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"

    @property
    def rank(self) -> int:
        """Higher is more pressing: normal 0, high 1, urgent 2."""
        return _PRIORITY_RANK[self]


_PRIORITY_RANK = {Priority.NORMAL: 0, Priority.HIGH: 1, Priority.URGENT: 2}

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
class Classification:
    """One message's category, priority, the dictionary terms that decided it, and details."""

    category: Category
    priority: Priority
    matched: tuple[str, ...] = ()
    details: Details = field(default=EMPTY_DETAILS)

    @property
    def is_case(self) -> bool:
        return self.category is not Category.NONE

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "category": self.category.value,
            "priority": self.priority.value,
            "matched": list(self.matched),
            "details": self.details.to_json_dict(),
        }
