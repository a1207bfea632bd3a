"""The times officials type for 定时发送, and the options they type for a poll (plain rules)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from broadcasts.polls import OptionsError, OptionsProblem, parse_options
from broadcasts.send_time import SendTimeError, SendTimeProblem, parse_send_time

BEIJING = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # 17:00 in Beijing


def beijing(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BEIJING).astimezone(UTC)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2026-11-25 08:00", beijing(11, 25, 8)),
        ("2026/11/25 8:05", beijing(11, 25, 8, 5)),
        ("2027-01-02 07:30", beijing(1, 2, 7, 30, year=2027)),
        ("11-25 08:00", beijing(11, 25, 8)),
        ("12月1日 9:00", beijing(12, 1, 9)),
        ("明天 8:00", beijing(11, 25, 8)),
        ("明天8点", beijing(11, 25, 8)),
        ("后天 上午 9:30", beijing(11, 26, 9, 30)),
        ("今天 17:10", beijing(11, 24, 17, 10)),
        ("17:10", beijing(11, 24, 17, 10)),  # later today
        ("08:00", beijing(11, 25, 8)),  # passed today: tomorrow
        ("17:00", beijing(11, 25, 17)),  # exactly now is not later: tomorrow
        ("１８：３０", beijing(11, 24, 18, 30)),  # full-width digits and colon
        ("  18:30 ", beijing(11, 24, 18, 30)),
    ],
)
def test_accepted_times_are_read_in_beijing_time(typed: str, expected: datetime) -> None:
    assert parse_send_time(typed, NOW, BEIJING) == expected


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("2026-11-24 08:00", SendTimeProblem.past),
        ("11-20 08:00", SendTimeProblem.past),
        ("今天 8:00", SendTimeProblem.past),
        ("2028-01-01 08:00", SendTimeProblem.too_far),
        ("明天早上", SendTimeProblem.unreadable),
        ("25:00", SendTimeProblem.unreadable),
        ("8:61", SendTimeProblem.unreadable),
        ("02-30 08:00", SendTimeProblem.unreadable),
        ("", SendTimeProblem.unreadable),
        ("尽快", SendTimeProblem.unreadable),
    ],
)
def test_past_far_and_unreadable_times_are_refused(typed: str, problem: SendTimeProblem) -> None:
    with pytest.raises(SendTimeError) as refused:
        parse_send_time(typed, NOW, BEIJING)
    assert refused.value.problem is problem


def test_default_options_and_one_option_per_line() -> None:
    assert parse_options("默认") == ["满意", "基本满意", "不满意"]
    assert parse_options(" 很好\n\n一般 \n差\n") == ["很好", "一般", "差"]


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("只有一个", OptionsProblem.too_few),
        ("", OptionsProblem.too_few),
        ("\n".join(f"选项{i}" for i in range(11)), OptionsProblem.too_many),
        ("好\n" + "很" * 31, OptionsProblem.too_long),
        ("好\n好", OptionsProblem.repeated),
    ],
)
def test_bad_options_are_refused_with_the_reason(typed: str, problem: OptionsProblem) -> None:
    with pytest.raises(OptionsError) as refused:
        parse_options(typed)
    assert refused.value.problem is problem
