"""Shared by the work handlers: which node a staff command is about, and editing a keyboard."""

from __future__ import annotations

from collections.abc import Iterable

from aiogram import F
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.common import edit as edit_message
from models.access import STAFF, WORKERS, Actor, Refused
from models.people import Person, RoleKind
from models.tree import Node
from models.tree_service import node_by_code

PRIVATE = F.chat.type == "private"


async def button_node(session: AsyncSession, actor: Actor, node_id: int) -> tuple[Person, Node]:
    """The staff member pressing a button about `node_id`, and that node, if they cover it;
    otherwise Refused("scope")."""
    node = await session.get(Node, node_id)
    actor.require_node(node, reason="scope", code=node.code if node else "")
    assert node is not None
    return actor.require(), node


async def pick_node(
    session: AsyncSession,
    actor: Actor,
    words: str,
    command: str,
    kinds: Iterable[RoleKind] = STAFF,
    own: Iterable[RoleKind] = WORKERS,
    free_text: bool = False,
) -> tuple[Node, str]:
    """The node a command is about: a leading node code (if the actor covers it), else the one
    node of their `own` roles (else of `kinds`). Returns the node and the remaining words; with
    `free_text` the words may be text rather than a code. Refused: no_code, scope, which_node."""
    first, _, rest = words.strip().partition(" ")
    named = await node_by_code(session, first) if first else None
    if named is None and first and not free_text:
        raise Refused("no_code", code=first)
    if named is not None:
        actor.require_node(named, kinds, code=named.code)
        return named, rest.strip()
    nodes = actor.nodes(own) or actor.nodes(kinds)
    if len(nodes) == 1:
        return nodes[0], words.strip()
    codes = [node.code for node in nodes] or ["编码"]
    raise Refused("which_node", codes=codes, command=command)


def edit(
    session: AsyncSession, query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None
) -> None:
    """Replace the message under the pressed button, after the commit (an unchanged or gone
    message is fine: the courier treats "not modified" as done and logs a refusal)."""
    if isinstance(query.message, Message):
        edit_message(session, query.message, text, reply_markup=markup)
