"""Typed callback data for every inline button the bot sends."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from models.tickets import Rating
from templates import render


class TicketAction(CallbackData, prefix="tk"):
    action: str  # claim | transfer | escalate | done
    ticket_id: int


class RateTicket(CallbackData, prefix="rt"):
    ticket_id: int
    rating: Rating


def staff_keyboard(ticket_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for action in ("claim", "transfer", "escalate", "done"):
        builder.button(
            text=render("button", name=action),
            callback_data=TicketAction(action=action, ticket_id=ticket_id),
        )
    builder.adjust(4)
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
    action: str  # send | send_pin | cancel


def target_keyboard(nodes: list[tuple[int, str]]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for node_id, name in nodes:
        builder.button(text=name, callback_data=BroadcastTarget(node_id=node_id))
    builder.adjust(2)
    return builder.as_markup()


def confirm_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for action in ("send", "send_pin", "cancel"):
        builder.button(
            text=render("broadcast_button", name=action),
            callback_data=BroadcastConfirm(action=action),
        )
    return builder.as_markup()
