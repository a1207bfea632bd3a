"""The rules of the three decisions and of staff's corrections, on plain objects."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from aiogram.types import InlineKeyboardMarkup

from channels.telegram.callbacks import (
    RELABEL,
    ReviewAction,
    ReviewCategory,
    TicketCategory,
    TicketMark,
    category_keyboard,
    review_keyboard,
    staff_keyboard,
)
from classify.model import Classification
from core.vocabulary import Category, Decision, Priority, ReviewStatus
from templates import render
from tests.support.scripted_classifier import unsure
from tickets.marks import label_priority
from tickets.opening import Report, decision_for

MESSAGE = Report(chat_id=-1, reporter_user_id=1, reporter_name="王大妈", text="…")
REPORTED = Report(chat_id=-1, reporter_user_id=1, reporter_name="王大妈", text="…", explicit=True)


@pytest.mark.parametrize(
    ("report", "found", "decision"),
    [
        # The dictionary alone (no graded action): every case opened, chatter ignored.
        (MESSAGE, Classification(Category.REPAIR, Priority.NORMAL), Decision.OPEN),
        (MESSAGE, Classification(Category.NONE, Priority.NORMAL), Decision.IGNORE),
        # A graded verdict is followed.
        (MESSAGE, unsure(Category.MISSING_PERSON), Decision.REVIEW),
        (MESSAGE, unsure(Category.SAFETY, action=Decision.IGNORE), Decision.IGNORE),
        (MESSAGE, unsure(Category.REPAIR, action=Decision.OPEN), Decision.OPEN),
        # Never a case without a category; a /report or photo is always one.
        (MESSAGE, unsure(Category.NONE), Decision.IGNORE),
        (REPORTED, unsure(Category.MISSING_PERSON), Decision.OPEN),
        (REPORTED, unsure(Category.SAFETY, action=Decision.IGNORE), Decision.OPEN),
        (REPORTED, Classification(Category.NONE, Priority.NORMAL), Decision.OPEN),
    ],
)
def test_what_the_bot_does_with_a_message(
    report: Report, found: Classification, decision: Decision
) -> None:
    assert decision_for(report, found) is decision


def test_a_label_implies_its_priority() -> None:
    assert label_priority(Category.MISSING_PERSON, Priority.NORMAL) is Priority.URGENT
    assert label_priority(Category.NONE, Priority.URGENT) is Priority.NORMAL
    assert label_priority(Category.SAFETY, Priority.HIGH) is Priority.HIGH


def _rows(markup: InlineKeyboardMarkup) -> list[list[tuple[str, str]]]:
    return [[(b.text, b.callback_data or "") for b in row] for row in markup.inline_keyboard]


def test_the_review_notice_buttons() -> None:
    rows = _rows(review_keyboard(7))
    assert [[text for text, _ in row] for row in rows] == [
        ["转为工单", "改为其他类别"],
        ["忽略", "误报"],
    ]
    assert rows[0][0][1] == ReviewAction(action="open", review_id=7).pack()
    picker = _rows(category_keyboard(current=Category.MISSING_PERSON, review_id=7))
    offered = [ReviewCategory.unpack(data).category for row in picker for _, data in row]
    assert offered == [c for c in RELABEL if c is not Category.MISSING_PERSON]
    assert Category.NONE not in offered and Category.OTHER not in offered
    assert picker[0][0][0] == f"改为{offered[0].label}"


def test_every_ticket_notice_ends_with_the_marks_and_keeps_the_alert_row() -> None:
    plain, missing = _rows(staff_keyboard(3)), _rows(staff_keyboard(3, alert=True))
    assert [text for text, _ in plain[-1]] == ["误报", "改类别"]
    assert plain[-1][0][1] == TicketMark(action="false", ticket_id=3).pack()
    assert missing[1][0][0] == "🚨 确认发布寻人启事" and missing[2] == plain[1]
    picker = _rows(category_keyboard(current=Category.REPAIR, ticket_id=3))
    assert TicketCategory.unpack(picker[0][0][1]).ticket_id == 3


def test_the_review_notice_masks_phones_and_names_guess_group_and_deadline() -> None:
    review = SimpleNamespace(
        id=5,
        category=Category.MISSING_PERSON,
        priority=Priority.URGENT,
        status=ReviewStatus.pending,
    )
    text = render(
        "review_staff",
        r=review,
        reason="new",
        path="平谷区 / 滨河街道",
        group="第1网格群",
        quote="有谁见过我家老爷子吗，电话138****5678",
        reporter="王大妈",
        note="",
        confidence=42,
        due="06-02 09:35",
    )
    first = text.splitlines()[0]
    assert first == "🔍 可能需要关注 #5｜疑似寻人（紧急）"
    assert "第1网格群" in text and "138****5678" in text and "把握 42%" in text
    assert "06-02 09:35 前处理" in text
