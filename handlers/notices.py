"""Words what the ticket workflow asks for (staff DMs with buttons, group lines, rating prompts)
and writes it to the outbox in the caller's transaction; the courier sends it after the commit."""

from __future__ import annotations

from datetime import datetime, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from channels.telegram.callbacks import rating_keyboard, staff_keyboard
from channels.telegram.channel import buttons_of
from classify.extract import mask_phones
from core.db import session_scope
from core.timezone import chat_time
from core.vocabulary import Category
from handlers.common import notify_staff
from handlers.review_notices import review_text, write_review_notice
from models.reviews import Review
from models.tickets import Ticket
from models.tree import Node
from models.tree_service import ancestors_and_self, path_text
from templates import render
from tickets.delivery import TICKET_STAFF
from tickets.events import AskRating, Notice, NotifyReview, NotifyStaff, TellGroup
from tickets.group_notices import tell_group, to_group
from tickets.history import history


class Notifier:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession], tz: tzinfo) -> None:
        self._factory = session_factory
        self._tz = tz

    async def publish(
        self, notices: list[Notice], now: datetime, session: AsyncSession | None = None
    ) -> None:
        """Write every notice to the outbox in the caller's session (or one of its own)."""
        if session is None:
            async with session_scope(self._factory) as own:
                await self.publish(notices, now, own)
            return
        for notice in notices:
            if isinstance(notice, NotifyReview):
                await self._review(session, notice)
                continue
            ticket = await session.get(Ticket, notice.ticket_id)
            if ticket is None:
                continue
            if isinstance(notice, NotifyStaff):
                await self._staff(session, ticket, notice, now)
            elif isinstance(notice, TellGroup):
                await self._group(session, ticket, notice)
            elif isinstance(notice, AskRating):
                await self._ask_rating(session, ticket)

    async def _staff(
        self, session: AsyncSession, ticket: Ticket, notice: NotifyStaff, now: datetime
    ) -> None:
        text = await self._staff_text(session, ticket, notice)
        markup = staff_keyboard(ticket.id or 0, alert=ticket.category == Category.MISSING_PERSON)
        await notify_staff(
            session, notice.person_ids, text, markup, purpose=TICKET_STAFF, ref_id=ticket.id
        )

    async def _review(self, session: AsyncSession, notice: NotifyReview) -> None:
        await write_review_notice(session, notice, self._tz)

    async def review_text(self, session: AsyncSession, review: Review) -> str:
        return await review_text(session, review, self._tz)

    async def _staff_text(self, session: AsyncSession, ticket: Ticket, notice: NotifyStaff) -> str:
        """The notice: the ticket, where it is, and (unless new) its latest history."""
        node = await session.get(Node, ticket.node_id)
        path = path_text(await ancestors_and_self(session, node)) if node else ""
        lines = [] if notice.reason == "new" else await self._history(session, ticket)
        return render(
            "ticket_staff",
            t=ticket,
            reason=notice.reason.value,
            path=path,
            quote=mask_phones(ticket.text),
            reporter=ticket.reporter_name,
            note=notice.note,
            history=lines[-8:],
            due=_due(ticket, self._tz),
        )

    async def _history(self, session: AsyncSession, ticket: Ticket) -> list[str]:
        return [
            render(
                "ticket_event",
                at=chat_time(e.at, self._tz),
                who=name,
                kind=e.kind,
                text=mask_phones(e.text),
            )
            for e, name in await history(session, ticket.id or 0)
        ]

    async def _group(self, session: AsyncSession, ticket: Ticket, notice: TellGroup) -> None:
        await tell_group(session, ticket, notice)

    async def _ask_rating(self, session: AsyncSession, ticket: Ticket) -> None:
        text = render("ticket_rate", t=ticket, reporter=ticket.reporter_name)
        await to_group(session, ticket, text, buttons_of(rating_keyboard(ticket.id or 0)))


def _due(ticket: Ticket, tz: tzinfo) -> str:
    due = ticket.claim_due_at
    return chat_time(due, tz) if due else ""
