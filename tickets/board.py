"""The ticket board's filter (the console's 工单 page): read from query parameters, checked,
and written back to them for the links to other pages and to the CSV export.

Every bad value is reported as a `BadValue` (field, value, problem) inside one `BadFilter`,
never raised as anything else: the page shows what was wrong and keeps the rest. Days are
district days (`zone`); `since` / `until` are the aware UTC instants they begin and end at.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import TypeVar

from core.vocabulary import TICKET_CATEGORIES, Category, Priority, TicketStatus

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_SEARCH = 100  # characters of a text search
E = TypeVar("E", bound=enum.StrEnum)
TRUE, FALSE = frozenset({"1", "true", "on", "yes"}), frozenset({"", "0", "false", "off", "no"})


class Sort(enum.StrEnum):
    newest = "newest"
    oldest = "oldest"
    priority = "priority"  # urgent first, newest first within each priority
    deadline = "deadline"  # open tickets by their deadline, soonest first; then the rest
    updated = "updated"  # latest change first


class Problem(enum.StrEnum):
    unknown = "unknown"  # not one of the allowed values (or no such node in the scope)
    not_a_number = "not_a_number"
    out_of_range = "out_of_range"
    not_a_day = "not_a_day"  # not YYYY-MM-DD
    reversed = "reversed"  # `to` before `from`
    too_long = "too_long"


@dataclass(frozen=True)
class BadValue:
    field: str
    value: str
    problem: Problem


class BadFilter(ValueError):
    """One or more query parameters could not be used; `problems` says which and why."""

    def __init__(self, problems: list[BadValue]) -> None:
        super().__init__(", ".join(f"{p.field}={p.value!r}: {p.problem}" for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class BoardFilter:
    """What the board shows: the tickets opened in `scope_id`'s subtree (the actor's node),
    narrowed by the other fields; `node` is a node code inside that scope."""

    scope_id: int
    zone: tzinfo
    statuses: tuple[TicketStatus, ...] = ()
    category: Category | None = None
    priority: Priority | None = None
    node: str | None = None
    from_day: date | None = None
    to_day: date | None = None
    overdue: bool = False
    text: str = ""
    sort: Sort = Sort.newest
    page: int = 1
    page_size: int = PAGE_SIZE

    @property
    def since(self) -> datetime | None:
        return _start(self.from_day, self.zone) if self.from_day else None

    @property
    def until(self) -> datetime | None:
        """The end of `to_day` (exclusive): the next district midnight."""
        return _start(self.to_day + timedelta(days=1), self.zone) if self.to_day else None

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size

    def on_page(self, page: int) -> BoardFilter:
        return replace(self, page=page)

    def to_query(self, *, paged: bool = True) -> dict[str, str]:
        """The query parameters that give this filter back (defaults left out); without
        `paged`, no page and size (the CSV link)."""
        values = {
            "status": ",".join(s.value for s in self.statuses),
            "category": self.category.value if self.category else "",
            "priority": self.priority.value if self.priority else "",
            "node": self.node or "",
            "from": self.from_day.isoformat() if self.from_day else "",
            "to": self.to_day.isoformat() if self.to_day else "",
            "overdue": "1" if self.overdue else "",
            "q": self.text,
            "sort": "" if self.sort is Sort.newest else self.sort.value,
        }
        if paged:
            values["page"] = "" if self.page == 1 else str(self.page)
            values["size"] = "" if self.page_size == PAGE_SIZE else str(self.page_size)
        return {key: value for key, value in values.items() if value}


def _start(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def parse_filter(params: Mapping[str, str], scope_id: int, zone: tzinfo) -> BoardFilter:
    """The filter the parameters describe, or BadFilter listing every bad value."""
    reader = _Reader(params)
    statuses = tuple(
        s for s in (reader.choice("status", TicketStatus, part) for part in reader.parts("status"))
        if s is not None
    )  # fmt: skip
    category = reader.choice("category", Category, params.get("category", "").strip())
    if category is not None and category not in TICKET_CATEGORIES:
        reader.bad("category", category.value, Problem.unknown)
    found = BoardFilter(
        scope_id=scope_id,
        zone=zone,
        statuses=tuple(dict.fromkeys(statuses)),
        category=category,
        priority=reader.choice("priority", Priority, params.get("priority", "").strip()),
        node=params.get("node", "").strip().upper() or None,
        from_day=reader.day("from"),
        to_day=reader.day("to"),
        overdue=reader.flag("overdue"),
        text=reader.search(),
        sort=reader.choice("sort", Sort, params.get("sort", "").strip()) or Sort.newest,
        page=reader.number("page", 1, 1, 1_000_000),
        page_size=reader.number("size", PAGE_SIZE, 1, MAX_PAGE_SIZE),
    )
    if found.from_day and found.to_day and found.to_day < found.from_day:
        reader.bad("to", found.to_day.isoformat(), Problem.reversed)
    if reader.problems:
        raise BadFilter(reader.problems)
    return found


class _Reader:
    def __init__(self, params: Mapping[str, str]) -> None:
        self.params, self.problems = params, list[BadValue]()

    def bad(self, name: str, value: str, problem: Problem) -> None:
        self.problems.append(BadValue(name, value, problem))

    def parts(self, name: str) -> list[str]:
        return [p.strip() for p in self.params.get(name, "").split(",") if p.strip()]

    def choice(self, name: str, kind: type[E], value: str) -> E | None:
        if not value:
            return None
        try:
            return kind(value.lower())
        except ValueError:
            self.bad(name, value, Problem.unknown)
            return None

    def day(self, name: str) -> date | None:
        value = self.params.get(name, "").strip()
        try:
            return date.fromisoformat(value) if value else None
        except ValueError:
            self.bad(name, value, Problem.not_a_day)
            return None

    def flag(self, name: str) -> bool:
        value = self.params.get(name, "").strip().lower()
        if value not in TRUE | FALSE:
            self.bad(name, value, Problem.unknown)
        return value in TRUE

    def number(self, name: str, default: int, low: int, high: int) -> int:
        value = self.params.get(name, "").strip()
        if not value:
            return default
        if not value.isascii() or not value.isdigit():
            self.bad(name, value, Problem.not_a_number)
            return default
        if not low <= int(value) <= high:
            self.bad(name, value, Problem.out_of_range)
            return default
        return int(value)

    def search(self) -> str:
        value = " ".join(self.params.get("q", "").split())
        if len(value) > MAX_SEARCH:
            self.bad("q", value[:20] + "…", Problem.too_long)
            return ""
        return value
