"""What a delivered or refused message means for tickets and people (the courier's hooks).

Runs after the commit that wrote the message, in the courier's own transaction: the ticket
learns the id of the bot's answer (so a reply to it adds to the ticket), and a person who
refused the bot's private message is marked unreachable on them and on the ticket.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from models.group_service import follow_migration, mark_bot_removed
from models.outgoing import OutgoingMessage
from models.people import Person
from models.tickets import EventKind, Ticket
from tickets.history import record
from tickets.opening import remember_reply

TICKET_REPLY = "ticket_reply"  # the group's answer to a report: replies to it join the ticket
TICKET_STAFF = "ticket_staff"  # a staff notice about a ticket (ref_id: the ticket)
REVIEW_STAFF = "review_staff"  # a 可能需要关注 notice (ref_id: the review)


class TicketHooks:
    async def on_sent(self, session: AsyncSession, row: OutgoingMessage) -> None:
        if row.purpose == TICKET_REPLY and row.ref_id and row.sent_message_id:
            await remember_reply(session, row.ref_id, row.sent_message_id)

    async def on_refused(self, session: AsyncSession, row: OutgoingMessage) -> None:
        at = row.sent_at or row.created_at
        if row.chat_id < 0:
            await mark_bot_removed(session, row.chat_id, at)
            return
        person = await session.get(Person, row.person_id) if row.person_id else None
        if person is None:
            return
        person.private_chat = False
        ticket = await session.get(Ticket, row.ref_id) if row.purpose == TICKET_STAFF else None
        if ticket is not None and row.ref_id:
            record(session, ticket, EventKind.unreachable, at, text=person.name)

    async def on_migrated(self, session: AsyncSession, old_chat: int, new_chat: int) -> None:
        await follow_migration(session, old_chat, new_chat, "")
