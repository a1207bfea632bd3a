"""Domain errors carry a problem and facts; their Chinese words live in templates."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from broadcasts import BroadcastError, BroadcastProblem
from core.errors import WordedError
from stats.period import PeriodError, PeriodProblem, parse_period
from templates import render
from tests.test_vocabulary import ROOT, SOURCES

# Every fact any problem's text reads: a problem whose branch is missing renders nothing.
FACTS: dict[str, object] = {
    "line": 2, "detail": "unexpected '}'", "name": "worker.nam", "needed": 3, "had": 1,
    "given": 1, "least": 2, "most": 10, "number": 2, "options": ["满意"], "node_id": 5,
    "broadcast_id": 9, "word": "上周", "seconds": 0.5, "limit": 4096,
}  # fmt: skip


@pytest.mark.parametrize(
    "error",
    [
        *(BroadcastError(problem, **FACTS) for problem in BroadcastProblem),
        *(PeriodError(problem, **FACTS) for problem in PeriodProblem),
    ],
    ids=lambda error: f"{type(error).__name__}.{error.problem.value}",
)
def test_every_problem_has_its_words(error: WordedError) -> None:
    assert str(error).strip()
    assert error.args == (error.problem.value,)


def test_the_words_are_escaped_in_a_message_and_plain_in_str() -> None:
    error = BroadcastError(BroadcastProblem.unknown_variable, name="group.<b>")
    assert str(error) == "模板错误：未知变量 group.<b>"
    assert render("broadcast_text_refused", error=error) == (
        "这段内容不能发送：模板错误：未知变量 group.&lt;b&gt;\n"
        "可用的变量：{{ group.name }}（群名）、{{ node.name }}、{{ node.code }}、"
        "{{ node.path }}、{{ worker.name }}（网格员）。请修改后重新发送，或发送 /cancel 取消。"
    )


@pytest.mark.parametrize(
    ("error", "text"),
    [
        (BroadcastError(BroadcastProblem.options_repeated, options=["满意", "不满意"]),
         "选项重复：满意、不满意"),
        (BroadcastError(BroadcastProblem.option_count, given=11, least=2, most=10),
         "投票需要 2 到 10 个选项，现在 11 个"),
        (BroadcastError(BroadcastProblem.edit_too_long, needed=2, had=1),
         "修改后的文字需要 2 条消息，原来只有 1 条，请缩短"),
        (BroadcastError(BroadcastProblem.template_syntax, line=3, detail="unexpected end"),
         "模板错误：第 3 行，unexpected end"),
        (BroadcastError(BroadcastProblem.no_broadcast, broadcast_id=999), "no broadcast 999"),
    ],
)  # fmt: skip
def test_broadcast_problems_read_as_before(error: BroadcastError, text: str) -> None:
    assert str(error) == text


@pytest.mark.parametrize(
    ("typed", "problem", "text"),
    [
        ("2026-11-30..2026-11-01", PeriodProblem.reversed, "结束日期早于开始日期"),
        ("2016-01-01..2026-11-24", PeriodProblem.too_long, "时间段最长 3660 天"),
        ("0d", PeriodProblem.days_out_of_range, "天数应在 1 到 3660 之间"),
        ("2026-02-30..2026-03-01", PeriodProblem.bad_date, "日期无效"),
        ("上周", PeriodProblem.unreadable, "无法识别的时间段：上周"),
    ],
)
def test_a_refused_period_says_why(typed: str, problem: PeriodProblem, text: str) -> None:
    now = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
    with pytest.raises(PeriodError) as refused:
        parse_period(typed, now, ZoneInfo("Asia/Shanghai"))
    assert refused.value.problem is problem
    assert str(refused.value) == text
    assert render("stats_refused", reason="period", error=refused.value) == (
        f"{text}。时间段可写：今天、本周、本月、7d、30d 或 2026-11-01..2026-11-24。"
    )


def test_no_domain_code_raises_a_chinese_sentence() -> None:
    rooms = {"broadcasts", "classify", "models", "stats", "tickets", "work"}
    raising = re.compile(r"raise \w+\([^)]*[\"'][^\"']*[\u4e00-\u9fff]")
    found = [
        f"{path.relative_to(ROOT)}: {hit.group(0)}"
        for path in SOURCES
        if path.relative_to(ROOT).parts[0] in rooms
        for hit in raising.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []
