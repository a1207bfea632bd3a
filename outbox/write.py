"""Writing messages into the outbox, inside the caller's transaction (nothing is sent here)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from channels.port import OutButton
from models.outgoing import OutgoingMessage, OutKind, Priority
from outbox.fit import LIMITS, parts, shortened

Keyboard = Sequence[Sequence[OutButton]]


def encode_buttons(buttons: Keyboard | None) -> str | None:
    if not buttons:
        return None
    return json.dumps(
        [[{"text": b.text, "data": b.data} for b in row] for row in buttons],
        ensure_ascii=False,
    )


def decode_buttons(raw: str | None) -> tuple[tuple[OutButton, ...], ...]:
    if not raw:
        return ()
    return tuple(tuple(OutButton(b["text"], b["data"]) for b in row) for row in json.loads(raw))


def say(
    session: AsyncSession,
    chat_id: int,
    text: str,
    *,
    buttons: Keyboard | None = None,
    reply_to: int | None = None,
    html: bool = True,
    priority: Priority = Priority.reply,
    purpose: str | None = None,
    ref_id: int | None = None,
    person_id: int | None = None,
) -> OutgoingMessage:
    """A text for `chat_id`, sent once the caller's transaction commits. A text over the
    platform's limit goes as several messages (outbox.fit); the first replies to `reply_to`,
    the last carries the buttons and is returned."""
    texts = parts(text, html)
    rows = [
        OutgoingMessage(
            chat_id=chat_id,
            text=part,
            html=html,
            buttons=encode_buttons(buttons) if last else None,
            reply_to=reply_to if first else None,
            priority=int(priority),
            purpose=purpose,
            ref_id=ref_id,
            person_id=person_id,
        )
        for first, last, part in (
            (i == 0, i == len(texts) - 1, part) for i, part in enumerate(texts)
        )
    ]
    session.add_all(rows)
    return rows[-1]


def send_file(
    session: AsyncSession,
    chat_id: int,
    data: bytes,
    file_name: str,
    *,
    caption: str | None = None,
    photo: bool = False,
    priority: Priority = Priority.reply,
) -> OutgoingMessage:
    """A document (or a photo) with an optional caption, sent after the commit."""
    row = OutgoingMessage(
        chat_id=chat_id,
        kind=OutKind.photo if photo else OutKind.document,
        text=None if caption is None else shortened(caption, True, LIMITS.max_caption),
        file_name=file_name,
        file_data=data,
        priority=int(priority),
    )
    session.add(row)
    return row


def edit(
    session: AsyncSession,
    chat_id: int,
    text: str,
    *,
    message_id: int | None = None,
    edit_of: int | None = None,
    buttons: Keyboard | None = None,
    html: bool = True,
    priority: Priority = Priority.reply,
) -> OutgoingMessage:
    """Replace a sent message's text: one the platform named (`message_id`) or one this
    outbox sends (`edit_of`; delivered after that row, whose message id it then takes)."""
    if (message_id is None) == (edit_of is None):
        raise ValueError("an edit names exactly one message")
    row = OutgoingMessage(
        chat_id=chat_id,
        kind=OutKind.edit_text,
        text=shortened(text, html, LIMITS.max_text),
        html=html,
        buttons=encode_buttons(buttons),
        message_id=message_id,
        edit_of=edit_of,
        priority=int(priority),
    )
    session.add(row)
    return row


def edit_buttons(
    session: AsyncSession, chat_id: int, message_id: int, buttons: Keyboard | None
) -> OutgoingMessage:
    """Replace only the buttons under a sent message."""
    row = OutgoingMessage(
        chat_id=chat_id,
        kind=OutKind.edit_buttons,
        message_id=message_id,
        buttons=encode_buttons(buttons),
    )
    session.add(row)
    return row
