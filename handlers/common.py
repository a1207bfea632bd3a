"""Small helpers shared by handlers: argument parsing, and answers written to the outbox (sent by
the courier after the update's transaction commits, never before)."""

from __future__ import annotations

import re
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

from aiogram.filters import CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from channels.telegram.channel import buttons_of
from models.outgoing import OutgoingMessage, Priority
from models.people import Person
from outbox.write import edit as outbox_edit
from outbox.write import edit_buttons as outbox_edit_buttons
from outbox.write import say

# Actions that must wait for the update's commit (bot/middlewares.DbSessionMiddleware runs them).
AfterCommit = list[Callable[[], None]]

GROUP_CHATS = frozenset({"group", "supergroup"})
TICKET_NUMBER = re.compile(r"^#?(\d{1,12})$")


def ticket_args(command: CommandObject, needs_text: bool) -> tuple[int, str] | None:
    """`/cmd N [text]` → (N, text); None when N is missing or the text is required but empty."""
    parts = (command.args or "").split(maxsplit=1)
    match = TICKET_NUMBER.match(parts[0]) if parts else None
    text = parts[1].strip() if len(parts) > 1 else ""
    if match is None or (needs_text and not text):
        return None
    return int(match.group(1)), text


def send(
    session: AsyncSession,
    chat_id: int,
    text: str,
    *,
    reply_markup: InlineKeyboardMarkup | None = None,
    reply_to_message_id: int | None = None,
    priority: Priority = Priority.reply,
    purpose: str | None = None,
    ref_id: int | None = None,
) -> OutgoingMessage:
    """Queue a message in the update's transaction; the courier sends it after the commit."""
    return say(
        session,
        chat_id,
        text,
        buttons=buttons_of(reply_markup),
        reply_to=reply_to_message_id,
        priority=priority,
        purpose=purpose,
        ref_id=ref_id,
    )


async def notify_staff(
    session: AsyncSession,
    person_ids: tuple[int, ...],
    text: str,
    markup: InlineKeyboardMarkup,
    *,
    purpose: str,
    ref_id: int | None,
) -> None:
    """A private notice to each of these staff who opened a private chat with the bot.

    `purpose` names the courier's hook: a refusal (403) marks the person unreachable on ref_id."""
    people = await session.execute(select(Person).where(col(Person.id).in_(person_ids)))
    for person in people.scalars():
        if person.telegram_user_id is None:
            continue
        say(
            session,
            person.telegram_user_id,
            text,
            buttons=buttons_of(markup),
            priority=Priority.notice,
            purpose=purpose,
            ref_id=ref_id,
            person_id=person.id,
        )


def reply(
    session: AsyncSession,
    message: Message,
    text: str,
    *,
    reply_markup: InlineKeyboardMarkup | None = None,
    purpose: str | None = None,
    ref_id: int | None = None,
) -> OutgoingMessage:
    """Answer `message` in its chat (as a reply), after the update's commit."""
    return send(
        session,
        message.chat.id,
        text,
        reply_markup=reply_markup,
        reply_to_message_id=message.message_id,
        purpose=purpose,
        ref_id=ref_id,
    )


def edit(
    session: AsyncSession,
    message: Message,
    text: str,
    *,
    reply_markup: InlineKeyboardMarkup | None = None,
) -> OutgoingMessage:
    """Replace the text (and buttons) of a message the bot sent, after the commit."""
    return outbox_edit(
        session,
        message.chat.id,
        text,
        message_id=message.message_id,
        buttons=buttons_of(reply_markup),
    )


def edit_buttons(
    session: AsyncSession, message: Message, reply_markup: InlineKeyboardMarkup | None
) -> OutgoingMessage:
    """Replace only the buttons under a message the bot sent, after the commit."""
    return outbox_edit_buttons(
        session, message.chat.id, message.message_id, buttons_of(reply_markup)
    )


@dataclass(frozen=True)
class CallbackAnswer:
    query_id: str
    text: str | None
    show_alert: bool


# The answers to this update's button press; bot/middlewares.DbSessionMiddleware sends them
# after the commit (or a "not done" answer after a rollback), so a toast never tells of work
# that did not happen.
PENDING_ANSWERS: ContextVar[list[CallbackAnswer] | None] = ContextVar(
    "pending_answers", default=None
)


def answer(query: CallbackQuery, text: str | None = None, show_alert: bool = False) -> None:
    """Answer a button press once the update's transaction has committed."""
    pending = PENDING_ANSWERS.get()
    if pending is None:
        raise RuntimeError("a button press is answered only inside DbSessionMiddleware")
    pending.append(CallbackAnswer(query.id, text, show_alert))
