"""Shared by the work handlers: which node a staff command is about, and editing a keyboard."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from aiogram import F
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from audit.log import AuditNote, staff_person
from handlers.common import answer, reply
from handlers.common import edit as edit_message
from models.people import Person, RoleKind
from models.tree import Node
from models.tree_service import node_by_code
from templates import render
from work.scope import STAFF, covers, role_nodes

log = logging.getLogger("gridbot.work")

PRIVATE = F.chat.type == "private"


async def button_in_scope(
    query: CallbackQuery, session: AsyncSession, node_id: int, audit: AuditNote, template: str
) -> tuple[Person, Node] | None:
    """The staff member pressing a button about `node_id`, and that node, if they cover it;
    otherwise the press is refused (audited, and answered with `template`)."""
    person = await staff_person(session, query.from_user.id)
    node = await session.get(Node, node_id)
    if person is None or node is None or not await covers(session, person, node):
        audit.refused("scope")
        code = node.code if node else ""
        answer(query, render(template, reason="scope", code=code), show_alert=True)
        return None
    return person, node


class Refused(Exception):
    """A staff command that cannot go ahead; `text` is the reply, `reason` goes to the audit."""

    def __init__(self, reason: str, text: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.text = text


async def staff_or_refuse(
    message: Message, session: AsyncSession, audit: AuditNote
) -> Person | None:
    """The staff member sending `message`; anyone else is told these commands are for staff."""
    person = await staff_person(session, message.from_user.id) if message.from_user else None
    if person is None:
        audit.refused("not_staff")
        reply(session, message, render("work_refused", reason="not_staff"))
    return person


async def pick_node(
    session: AsyncSession,
    person: Person,
    words: str,
    template: str,
    command: str,
    kinds: Iterable[RoleKind] = STAFF,
    own: Iterable[RoleKind] = (RoleKind.grid_worker,),
    free_text: bool = False,
) -> tuple[Node, str]:
    """The node a command is about: a leading node code (if the person covers it), else the one
    node of their `own` roles (else of `kinds`). Returns the node and the remaining words; with
    `free_text` the words may be text rather than a code."""
    first, _, rest = words.strip().partition(" ")
    named = await node_by_code(session, first) if first else None
    if named is None and first and not free_text:
        raise Refused("no_code", render(template, reason="no_code", code=first))
    if named is not None:
        if not await covers(session, person, named, kinds):
            raise Refused("scope", render(template, reason="scope", code=named.code))
        return named, rest.strip()
    nodes = await role_nodes(session, person, own) or await role_nodes(session, person, kinds)
    if len(nodes) == 1:
        return nodes[0], words.strip()
    codes = [node.code for node in nodes] or ["编码"]
    raise Refused(
        "which_node", render(template, reason="which_node", codes=codes, command=command)
    )


def edit(
    session: AsyncSession, query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None
) -> None:
    """Replace the message under the pressed button, after the commit (an unchanged or gone
    message is fine: the courier treats "not modified" as done and logs a refusal)."""
    if isinstance(query.message, Message):
        edit_message(session, query.message, text, reply_markup=markup)
