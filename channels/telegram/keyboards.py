"""Inline keyboards of the grid worker's day: kinds, 转为工单, checklist, headcount keypad."""

from __future__ import annotations

from collections.abc import Iterable

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from channels.telegram.callbacks import ChecklistDone, HeadcountKey, WorkKindPick, WorkToTicket
from models.work import WorkKind
from templates import render
from work.checklist import Item
from work.headcount import MAX_COUNT


def kind_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for kind in WorkKind:
        builder.button(text=kind.label, callback_data=WorkKindPick(kind=kind))
    builder.adjust(3)
    return builder.as_markup()


def hazard_keyboard(log_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=render("work_button", name="to_ticket"), callback_data=WorkToTicket(log_id=log_id)
    )
    return builder.as_markup()


def checklist_keyboard(node_id: int, undone: Iterable[Item]) -> InlineKeyboardMarkup | None:
    builder = InlineKeyboardBuilder()
    for item in undone:
        builder.button(
            text=render("work_button", name="done", label=item.label),
            callback_data=ChecklistDone(node_id=node_id, item=item.key),
        )
    builder.adjust(1)
    markup = builder.as_markup()
    return markup if markup.inline_keyboard else None


def keypad(node_id: int, value: int) -> InlineKeyboardMarkup:
    """Digits 1-9, ⌫ 0 提交; each key carries the number as it will be after the press."""
    builder = InlineKeyboardBuilder()
    for digit in (1, 2, 3, 4, 5, 6, 7, 8, 9):
        builder.button(text=str(digit), callback_data=_typed(node_id, value, digit))
    builder.button(
        text=render("work_button", name="back"),
        callback_data=HeadcountKey(node_id=node_id, value=value // 10),
    )
    builder.button(text="0", callback_data=_typed(node_id, value, 0))
    builder.button(
        text=render("work_button", name="send"),
        callback_data=HeadcountKey(node_id=node_id, value=value, send=True),
    )
    builder.adjust(3)
    return builder.as_markup()


def _typed(node_id: int, value: int, digit: int) -> HeadcountKey:
    longer = value * 10 + digit
    return HeadcountKey(node_id=node_id, value=longer if longer <= MAX_COUNT else value)
