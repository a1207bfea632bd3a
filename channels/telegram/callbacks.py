"""Typed callback data for every inline button the bot sends."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from models.tickets import Rating
from models.work import WorkKind
from templates import render


class TicketAction(CallbackData, prefix="tk"):
    action: str  # claim | transfer | escalate | done
    ticket_id: int


class RateTicket(CallbackData, prefix="rt"):
    ticket_id: int
    rating: Rating


def staff_keyboard(ticket_id: int, alert: bool = False) -> InlineKeyboardMarkup:
    """The ticket buttons; `alert` adds a row 确认发布寻人启事 (missing-person tickets)."""
    builder = InlineKeyboardBuilder()
    for action in ("claim", "transfer", "escalate", "done"):
        builder.button(
            text=render("button", name=action),
            callback_data=TicketAction(action=action, ticket_id=ticket_id),
        )
    if alert:
        builder.button(
            text=render("alert_button", name="confirm"),
            callback_data=AlertAction(action="confirm", ticket_id=ticket_id),
        )
    builder.adjust(4, 1)
    return builder.as_markup()


def rating_keyboard(ticket_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for rating in Rating:
        builder.button(
            text=rating.label, callback_data=RateTicket(ticket_id=ticket_id, rating=rating)
        )
    builder.adjust(3)
    return builder.as_markup()


class BroadcastTarget(CallbackData, prefix="bt"):
    node_id: int


class BroadcastConfirm(CallbackData, prefix="bc"):
    action: str  # send | schedule | pin (toggle) | read (toggle) | cancel


class PollTarget(CallbackData, prefix="pt"):
    node_id: int


class PollConfirm(CallbackData, prefix="pc"):
    action: str  # send | cancel


class ScheduledCancel(CallbackData, prefix="sc"):
    """取消 next to a scheduled broadcast in /scheduled."""

    broadcast_id: int


def target_keyboard(nodes: list[tuple[int, str]], poll: bool = False) -> InlineKeyboardMarkup:
    """One button per node the official may pick, for /broadcast (or /poll)."""
    builder = InlineKeyboardBuilder()
    for node_id, name in nodes:
        data = PollTarget(node_id=node_id) if poll else BroadcastTarget(node_id=node_id)
        builder.button(text=name, callback_data=data)
    builder.adjust(2)
    return builder.as_markup()


def confirm_keyboard(pin: bool = False, read: bool = False) -> InlineKeyboardMarkup:
    """立即发送 / 定时发送, the 置顶 and 已阅按钮 toggles showing their state, 取消."""
    builder = InlineKeyboardBuilder()
    for action, on in (("send", None), ("schedule", None), ("pin", pin), ("read", read)):
        builder.button(
            text=render("broadcast_button", name=action, on=on),
            callback_data=BroadcastConfirm(action=action),
        )
    builder.button(
        text=render("broadcast_button", name="cancel"),
        callback_data=BroadcastConfirm(action="cancel"),
    )
    builder.adjust(2, 2, 1)
    return builder.as_markup()


def poll_confirm_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for action in ("send", "cancel"):
        builder.button(
            text=render("poll_button", name=action), callback_data=PollConfirm(action=action)
        )
    return builder.as_markup()


def scheduled_keyboard(broadcast_ids: list[int]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for broadcast_id in broadcast_ids:
        builder.button(
            text=render("broadcast_button", name="unschedule", id=broadcast_id),
            callback_data=ScheduledCancel(broadcast_id=broadcast_id),
        )
    builder.adjust(3)
    return builder.as_markup()


class BroadcastRead(CallbackData, prefix="br"):
    """The 已阅 button under a broadcast copy."""

    broadcast_id: int


class PollVote(CallbackData, prefix="pv"):
    broadcast_id: int
    option: int


class AlertAction(CallbackData, prefix="al"):
    action: str  # confirm | found | consent
    ticket_id: int


def alert_keyboard(ticket_id: int, action: str) -> InlineKeyboardMarkup:
    """One alert button: 已找到 (found) for staff, 同意公开我的电话 (consent) for the reporter."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=render("alert_button", name=action),
        callback_data=AlertAction(action=action, ticket_id=ticket_id),
    )
    return builder.as_markup()


class WorkKindPick(CallbackData, prefix="wk"):
    """A kind for a /log text that named none; the text is the /log message replied to."""

    kind: WorkKind


class WorkToTicket(CallbackData, prefix="wt"):
    """转为工单 under a work-log entry that found a hazard."""

    log_id: int


class ChecklistDone(CallbackData, prefix="cl"):
    node_id: int
    item: str


class HeadcountKey(CallbackData, prefix="hc"):
    """A key of the headcount keypad; it carries the number as it will be after the press."""

    node_id: int
    value: int
    send: bool = False
