"""Who may act on which node: the one place that answers it.

An `Actor` is the person behind a Telegram user with every role they hold and the node each is
held on, loaded once (per update, by the bot's ActorMiddleware). A role held on a node covers
that node's whole subtree, so "may act on `node`" is a prefix test on the node's lineage; the
rules below need no database. Every refusal, whatever the workflow, is one `Refused` with a
reason code (the audit log's `refused:<reason>`) and the fields its reply is worded with.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from models.people import Person, Role, RoleKind
from models.tree import Node

STAFF = frozenset(kind for kind in RoleKind if kind.is_staff)
WORKERS = frozenset({RoleKind.grid_worker})
# Community, town and district staff: they broadcast, poll and open headcount rounds.
ADMINS = frozenset({RoleKind.community_admin, RoleKind.town_admin, RoleKind.district_official})


class Refused(Exception):
    """An action the person may not take (or that cannot go ahead as asked).

    `reason` is a short code (a str or a StrEnum member) recorded as `refused:<reason>`;
    `fields` are what the reply's template needs besides the reason (a node code, a number).
    """

    def __init__(self, reason: str, /, **fields: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.fields = fields


class Audience(enum.StrEnum):
    """Whose commands /help shows: the highest role the person holds anywhere."""

    resident = "resident"
    worker = "worker"
    admin = "admin"
    official = "official"


@dataclass(frozen=True)
class Held:
    """One role and the node it is held on."""

    kind: RoleKind
    node: Node


@dataclass(frozen=True)
class Actor:
    """A Telegram user as the bot knows them: their person (None if not on file) and roles."""

    user_id: int | None
    person: Person | None = None
    held: tuple[Held, ...] = ()

    @property
    def is_staff(self) -> bool:
        return self.person is not None and any(h.kind in STAFF for h in self.held)

    @property
    def audience(self) -> Audience:
        kinds = {h.kind for h in self.held}
        if RoleKind.district_official in kinds:
            return Audience.official
        if kinds & {RoleKind.town_admin, RoleKind.community_admin}:
            return Audience.admin
        if RoleKind.grid_worker in kinds:
            return Audience.worker
        return Audience.resident

    def holds(self, kinds: Iterable[RoleKind] = STAFF) -> bool:
        wanted = frozenset(kinds)
        return self.person is not None and any(h.kind in wanted for h in self.held)

    def nodes(self, kinds: Iterable[RoleKind] = STAFF) -> list[Node]:
        """The nodes where they hold one of `kinds`, top of the tree first, each once."""
        wanted = frozenset(kinds)
        found = {h.node.id: h.node for h in self.held if h.kind in wanted}
        return sorted(found.values(), key=lambda node: node.lineage)

    def kinds_covering(self, node: Node) -> frozenset[RoleKind]:
        """The kinds of their roles held on `node` or above it."""
        return frozenset(h.kind for h in self.held if node.lineage.startswith(h.node.lineage))

    def covers(self, node: Node, kinds: Iterable[RoleKind] = STAFF) -> bool:
        """A role of `kinds` held on `node` or on one of its ancestors."""
        return self.person is not None and bool(self.kinds_covering(node) & frozenset(kinds))

    def require(self, kinds: Iterable[RoleKind] = STAFF, reason: str = "not_staff") -> Person:
        """Their person, when they hold one of `kinds` anywhere; else Refused(reason)."""
        if self.person is None or not self.holds(kinds):
            raise Refused(reason)
        return self.person

    def require_node(
        self,
        node: Node | None,
        kinds: Iterable[RoleKind] = STAFF,
        reason: str = "scope",
        **fields: Any,
    ) -> Node:
        """`node`, when one of their `kinds` roles covers it; else Refused(reason, **fields)."""
        if node is None or not self.covers(node, kinds):
            raise Refused(reason, **fields)
        return node


async def _person_with_roles(
    session: AsyncSession, which: ColumnElement[bool]
) -> tuple[Person, tuple[Held, ...]] | None:
    """The person `which` picks and the roles they hold, in one query (None: no such person)."""
    result = await session.execute(
        select(Person, Role, Node)
        .join(Role, col(Role.person_id) == Person.id, isouter=True)
        .join(Node, col(Node.id) == Role.node_id, isouter=True)
        .where(which)
    )
    rows = result.all()
    if not rows:
        return None
    held = tuple(Held(role.kind, node) for _p, role, node in rows if role is not None and node)
    return rows[0][0], held


async def load_actor(session: AsyncSession, user_id: int | None) -> Actor:
    """The user's person and roles, in one query; an unknown user is an Actor without either."""
    if user_id is None:
        return Actor(None)
    found = await _person_with_roles(session, col(Person.telegram_user_id) == user_id)
    if found is None:
        return Actor(user_id)
    return Actor(user_id, *found)


async def load_person_actor(session: AsyncSession, person_id: int) -> Actor:
    """A person's Actor by their id (the web console knows people, not Telegram users)."""
    found = await _person_with_roles(session, col(Person.id) == person_id)
    if found is None:
        return Actor(None)
    person, held = found
    return Actor(person.telegram_user_id, person, held)


async def acting(session: AsyncSession, who: Actor | int) -> Actor:
    """The actor of a domain action: the update's Actor as given, or loaded for a user id
    (the command line and tests name users by their Telegram id)."""
    return who if isinstance(who, Actor) else await load_actor(session, who)


async def staff_person(session: AsyncSession, user_id: int) -> Person | None:
    """The person behind a Telegram user when they hold any staff role, else None."""
    actor = await load_actor(session, user_id)
    return actor.person if actor.is_staff else None
