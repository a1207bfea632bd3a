"""The ticket's progress lines in its group (TellGroup), written to the outbox in the caller's
transaction: the same words whichever front end acted (chat or console)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from classify.extract import mask_phones
from models.groups import Group
from models.people import Person
from models.tickets import Ticket
from outbox.write import Keyboard, say
from templates import render
from tickets.events import GroupUpdate, TellGroup


async def tell_group(session: AsyncSession, ticket: Ticket, notice: TellGroup) -> None:
    """One progress line (or the unreachable notice) in the ticket's group."""
    if notice.update in (GroupUpdate.unreachable, GroupUpdate.nobody_reachable):
        text = render(
            "ticket_unreachable",
            t=ticket,
            update=notice.update.value,
            roles=notice.roles,
            place=notice.note,
        )
    else:
        text = render(
            "ticket_progress",
            t=ticket,
            update=notice.update.value,
            names=await _names(session, notice.person_ids),
            note=mask_phones(notice.note),
        )
    await to_group(session, ticket, text)


async def to_group(
    session: AsyncSession, ticket: Ticket, text: str, buttons: Keyboard | None = None
) -> None:
    """A message to the ticket's group, replying to the report; none once the group is gone."""
    group = await session.get(Group, ticket.group_id)
    if group is None or not group.active:
        return
    say(session, group.chat_id, text, buttons=buttons, reply_to=ticket.source_message_id)


async def _names(session: AsyncSession, person_ids: tuple[int, ...]) -> str:
    if not person_ids:
        return ""
    result = await session.execute(select(Person.name).where(col(Person.id).in_(person_ids)))
    return "、".join(result.scalars())
