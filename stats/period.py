"""Periods people ask figures for: 今天, 本周, 本月, 7d, 30d or 2026-11-01..2026-11-24."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from core.errors import WordedError

MAX_DAYS = 3660  # ten years: whole histories for exports and benchmarks
DEFAULT_PERIOD = "7d"
_LAST_DAYS = re.compile(r"^(\d{1,3})(?:d|天)$", re.IGNORECASE)
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:\.\.|~|至)(\d{4}-\d{2}-\d{2})$")
NAMED = ("今天", "今日", "昨天", "昨日", "本周", "本月")


class PeriodProblem(enum.StrEnum):
    """Why a period cannot be answered; templates/stats_period_problem.j2 words each one."""

    reversed = "reversed"  # the last day before the first
    too_long = "too_long"  # most: days
    days_out_of_range = "days_out_of_range"  # most: `0d`, `999d`
    bad_date = "bad_date"  # a range with no such day, e.g. 2026-02-30
    unreadable = "unreadable"  # word: not a period at all


class PeriodError(WordedError):
    """The text is not a period, or not one we can answer."""

    template = "stats_period_problem"

    def __init__(self, problem: PeriodProblem, **facts: object) -> None:
        super().__init__(problem, **facts)
        self.problem: PeriodProblem = problem


@dataclass(frozen=True)
class Period:
    """Local days `first`..`last` (inclusive); `start`/`end` the UTC instants bounding them."""

    first: date
    last: date
    start: datetime
    end: datetime
    tz: tzinfo

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]

    def day_starts(self) -> list[datetime]:
        """The instant each local day begins, plus the end: len(days) + 1 boundaries."""
        return [*(local_midnight(day, self.tz) for day in self.days), self.end]

    @property
    def label(self) -> str:
        if self.first == self.last:
            return self.first.isoformat()
        return f"{self.first.isoformat()} 至 {self.last.isoformat()}"


def local_midnight(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tz)


def days_period(first: date, last: date, tz: tzinfo) -> Period:
    if last < first:
        raise PeriodError(PeriodProblem.reversed)
    if (last - first).days + 1 > MAX_DAYS:
        raise PeriodError(PeriodProblem.too_long, most=MAX_DAYS)
    end = local_midnight(last + timedelta(days=1), tz)
    return Period(first, last, local_midnight(first, tz), end, tz)


def parse_period(text: str, now: datetime, tz: tzinfo) -> Period:
    """One period word; relative periods end with today (local), so they include it."""
    word = text.strip()
    today = now.astimezone(tz).date()
    if word in ("今天", "今日", "today"):
        return days_period(today, today, tz)
    if word in ("昨天", "昨日", "yesterday"):
        return days_period(today - timedelta(days=1), today - timedelta(days=1), tz)
    if word in ("本周", "this-week"):
        return days_period(today - timedelta(days=today.weekday()), today, tz)
    if word in ("本月", "this-month"):
        return days_period(today.replace(day=1), today, tz)
    last_days = _LAST_DAYS.match(word)
    if last_days:
        count = int(last_days.group(1))
        if not 1 <= count <= MAX_DAYS:
            raise PeriodError(PeriodProblem.days_out_of_range, most=MAX_DAYS)
        return days_period(today - timedelta(days=count - 1), today, tz)
    span = _RANGE.match(word)
    if span:
        try:
            first, last = date.fromisoformat(span.group(1)), date.fromisoformat(span.group(2))
        except ValueError as exc:
            raise PeriodError(PeriodProblem.bad_date) from exc
        return days_period(first, last, tz)
    raise PeriodError(PeriodProblem.unreadable, word=word)


def looks_like_period(word: str) -> bool:
    return word in NAMED or bool(_LAST_DAYS.match(word) or _RANGE.match(word))


def in_period(column: Any, period: Period) -> list[ColumnElement[bool]]:
    """`period.start <= column < period.end`, for a query's WHERE."""
    return [col(column) >= period.start, col(column) < period.end]
