"""When a scheduled broadcast goes out: the time an official types, read in the district's zone.

Accepted (full-width digits and colons too): "2026-11-25 08:00", "11-25 08:00", "明天 8:00"
(also 今天 / 后天), and "08:00" (today, or tomorrow if that time has passed).
"""

from __future__ import annotations

import enum
import re
import unicodedata
from datetime import UTC, date, datetime, time, timedelta, tzinfo

_CLOCK = r"(?P<hour>\d{1,2})[:点](?P<minute>\d{2})?分?"
_DAY = r"(?P<month>\d{1,2})[-/.月](?P<day>\d{1,2})日?\s*"
_FULL = re.compile(rf"^(?P<year>\d{{4}})[-/.年]{_DAY}{_CLOCK}$")
_MONTH_DAY = re.compile(rf"^{_DAY}{_CLOCK}$")
_RELATIVE = re.compile(rf"^(?P<word>今天|明天|后天)\s*(?:早上|上午)?\s*{_CLOCK}$")
_TIME_ONLY = re.compile(rf"^{_CLOCK}$")
_DAYS_AHEAD = {"今天": 0, "明天": 1, "后天": 2}
LONGEST_AHEAD = timedelta(days=366)


class SendTimeProblem(enum.StrEnum):
    unreadable = "unreadable"  # no accepted format, or no such date / time
    past = "past"  # the moment has already passed
    too_far = "too_far"  # more than a year ahead: almost certainly a typo


class SendTimeError(ValueError):
    def __init__(self, problem: SendTimeProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


def parse_send_time(text: str, now: datetime, tz: tzinfo) -> datetime:
    """The UTC moment `text` names in zone `tz`, strictly after `now`; SendTimeError if not."""
    cleaned = unicodedata.normalize("NFKC", text).strip()
    today = now.astimezone(tz).date()
    moment = _read(cleaned, today, now, tz)
    if moment is None:
        raise SendTimeError(SendTimeProblem.unreadable)
    return checked_send_time(moment, now)


def local_send_time(moment: datetime, now: datetime, tz: tzinfo) -> datetime:
    """The UTC moment of a district-time `moment` picked in a form (a naive datetime is read in
    zone `tz`), under the same rules as a typed one; SendTimeError if not."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return checked_send_time(moment.astimezone(UTC), now)


def checked_send_time(moment: datetime, now: datetime) -> datetime:
    """`moment` if it is strictly after `now` and at most a year ahead; SendTimeError if not."""
    if moment <= now:
        raise SendTimeError(SendTimeProblem.past)
    if moment - now > LONGEST_AHEAD:
        raise SendTimeError(SendTimeProblem.too_far)
    return moment


def _read(text: str, today: date, now: datetime, tz: tzinfo) -> datetime | None:
    if match := _FULL.match(text):
        day = _date(int(match["year"]), int(match["month"]), int(match["day"]))
        return _at(day, match, tz)
    if match := _MONTH_DAY.match(text):
        day = _date(today.year, int(match["month"]), int(match["day"]))
        return _at(day, match, tz)
    if match := _RELATIVE.match(text):
        return _at(today + timedelta(days=_DAYS_AHEAD[match["word"]]), match, tz)
    if match := _TIME_ONLY.match(text):
        moment = _at(today, match, tz)
        if moment is not None and moment <= now:
            moment = _at(today + timedelta(days=1), match, tz)
        return moment
    return None


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _at(day: date | None, match: re.Match[str], tz: tzinfo) -> datetime | None:
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    if day is None or hour > 23 or minute > 59:
        return None
    return datetime.combine(day, time(hour, minute), tzinfo=tz).astimezone(UTC)
