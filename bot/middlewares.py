"""The middlewares every update passes through.

Outer, in this order (bot/app.py): one database session per update, committed with the inbox
mark; the actor (who sent the update: person and roles) loaded once in that session; the audit
log of staff commands written in that session. Inner, around each message and button handler:
refusals (models.access.Refused) answered and audited in one place.

Refusals are handled by an inner middleware rather than `router.errors()`: aiogram's error
observer runs outside every outer middleware, after the update's session has rolled back and
the audit entry has been written as an error; a refusal is an ordinary outcome that commits.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.dispatcher.flags import get_flag
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError
from aiogram.types import CallbackQuery, Message, TelegramObject, Update, User
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from audit import log as audit_log
from audit.log import AuditNote
from bot.inbox import mark
from core.clock import Clock
from core.db import session_scope
from core.transient import is_transient
from handlers.access import FALLBACK, REFUSALS
from handlers.common import PENDING_ANSWERS, CallbackAnswer, answer, reply
from models.access import Actor, Refused, load_actor
from models.inbox import InboxStatus
from models.people import Person
from templates import render

log = logging.getLogger("gridbot.updates")
COMMAND_SHOWN = 32  # a sender-less command is quoted back at most this long

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class DbSessionMiddleware(BaseMiddleware):
    """One transaction per update: the handler's changes, the messages it wrote to the outbox
    and the inbox's `done` mark commit together; then the courier is woken to send them."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        clock: Clock,
        committed: Callable[[], None] = lambda: None,
    ) -> None:
        self._factory = session_factory
        self._clock = clock
        self._committed = committed

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        after_commit: list[Callable[[], None]] = []
        answers: list[CallbackAnswer] = []
        token = PENDING_ANSWERS.set(answers)
        try:
            async with session_scope(self._factory) as session:
                data["session"] = session
                data["after_commit"] = after_commit
                result = await handler(event, data)
                inbox_id = data.get("inbox_id")
                if inbox_id is not None:
                    await mark(session, inbox_id, InboxStatus.done, self._clock)
        except Exception:
            if data.get("last_attempt", True):  # the inbox may try this update again
                await _answer_press(event, data, [], failed=True)
            raise
        finally:
            PENDING_ANSWERS.reset(token)
        self._committed()
        for action in after_commit:
            action()
        await _answer_press(event, data, answers)
        return result


async def _answer_press(
    event: TelegramObject,
    data: dict[str, Any],
    answers: list[CallbackAnswer],
    failed: bool = False,
) -> None:
    """Answer a button press after the commit: what the handler said, or (nothing said) an
    empty answer that stops the spinner; after a rollback, that nothing was done."""
    query = event.callback_query if isinstance(event, Update) else None
    bot = data.get("bot")
    if query is None or bot is None:
        return
    said = answers[0] if answers else CallbackAnswer(query.id, None, False)
    if failed:
        said = CallbackAnswer(query.id, render("press_failed"), True)
    try:
        await bot.answer_callback_query(said.query_id, text=said.text, show_alert=said.show_alert)
    except (TelegramAPIError, TelegramNetworkError) as exc:  # too late, or the network
        log.info("button press %s not answered: %s", said.query_id, exc)


class ActorMiddleware(BaseMiddleware):
    """Loads who sent the update (`actor`: person and roles) once, in the update's session;
    handlers take it as the argument `actor`.

    A written message with no sender (posted on behalf of a channel or of the group itself) goes
    to no handler: handlers act for a person, and aiogram gives such a message no FSM state.
    A command gets a reply saying why nothing was done; anything else is one log line."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        session: AsyncSession | None = data.get("session")
        message = event.message if isinstance(event, Update) else None
        if user is None and message is not None and session is not None:
            text = message.text or message.caption
            if text is not None:
                _without_sender(session, message, text)
                return None
        if user is None or session is None:
            data["actor"] = Actor(user.id if user else None)
        else:
            data["actor"] = await load_actor(session, user.id)
        return await handler(event, data)


def _without_sender(session: AsyncSession, message: Message, text: str) -> None:
    on_behalf = message.sender_chat.id if message.sender_chat is not None else None
    log.info(
        "message %s in chat %s has no sender (sent as chat %s): not handled",
        message.message_id,
        message.chat.id,
        on_behalf,
    )
    if text.startswith("/"):
        command = text.split()[0].split("@")[0][:COMMAND_SHOWN]
        reply(session, message, render("no_sender", command=command))


@dataclass(frozen=True)
class _Action:
    user_id: int
    chat_id: int | None
    command: str
    args: str


def _action(event: TelegramObject) -> _Action | None:
    """A command (message starting with /) or a button press, else None."""
    if not isinstance(event, Update):
        return None
    if event.callback_query is not None:
        query = event.callback_query
        prefix, _, rest = (query.data or "").partition(":")
        chat = query.message.chat.id if query.message is not None else None
        return _Action(query.from_user.id, chat, f"button:{prefix}", rest)
    message = event.message
    text = (message.text or message.caption or "") if message is not None else ""
    if message is None or message.from_user is None or not text.startswith("/"):
        return None
    head, _, rest = text.partition(" ")
    command = head.split("@", 1)[0].lower()
    return _Action(message.from_user.id, message.chat.id, command, rest.strip())


class AuditMiddleware(BaseMiddleware):
    """Writes every staff command and button press to the audit log, in the update's session
    (inside DbSessionMiddleware and ActorMiddleware); a refusal marks the `audit` note."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._factory = session_factory
        self._clock = clock

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        note = data["audit"] = AuditNote()
        action = _action(event)
        session: AsyncSession | None = data.get("session")
        person = await _staff(data, session, action.user_id) if action and session else None
        if action is None or session is None or person is None:
            return await handler(event, data)
        try:
            result = await handler(event, data)
        except Exception as exc:
            if data.get("last_attempt", True) or not is_transient(exc):  # no retry follows
                await self._record_apart(person, action)
            raise
        self._record(
            session, person, action, audit_log.UNHANDLED if result is UNHANDLED else note.outcome
        )
        return result

    async def _record_apart(self, person: Person, action: _Action) -> None:
        """The error entry, in a transaction of its own: the update's work rolls back."""
        try:
            async with session_scope(self._factory) as apart:
                self._record(apart, person, action, audit_log.ERROR)
        except Exception as exc:  # the database itself may be what failed
            log.warning("audit entry of a failed %s not written: %s", action.command, exc)

    def _record(
        self, session: AsyncSession, person: Person, action: _Action, outcome: str
    ) -> None:
        audit_log.record(
            session,
            person,
            user_id=action.user_id,
            chat_id=action.chat_id,
            command=action.command,
            args=action.args,
            outcome=outcome,
            at=self._clock.now(),
        )


async def _staff(data: dict[str, Any], session: AsyncSession, user_id: int) -> Person | None:
    """The acting staff member: from the update's actor, loaded here if no actor came with it."""
    actor = data.get("actor")
    if not isinstance(actor, Actor) or actor.user_id != user_id:
        actor = await load_actor(session, user_id)
    return actor.person if actor.is_staff else None


class AccessMiddleware(BaseMiddleware):
    """The one refusal handler: a handler (or the domain under it) raises Refused; the reply is
    the handler's refusals template (flag `refusals`, handlers/access.py) rendered with the
    reason and fields, as an alert for a button press, and the audit note says
    `refused:<reason>`. The update's work so far commits, as with any handled update."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        try:
            return await handler(event, data)
        except Refused as refused:
            note: AuditNote | None = data.get("audit")
            if note is not None:
                note.refused(str(refused.reason))
            template = get_flag(data, REFUSALS)
            if template is None:
                log.error("refusal %r from a handler without refusals wording", refused.reason)
            text = render(template or FALLBACK, reason=refused.reason, **refused.fields)
            if isinstance(event, CallbackQuery):
                answer(event, text, show_alert=True)  # sent after the commit
            elif isinstance(event, Message):
                reply(data["session"], event, text)
            return None
