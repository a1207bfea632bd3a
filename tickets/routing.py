"""Who handles a ticket at a level of the tree, and where it goes when nobody can be reached."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from models.people import Person, Role, RoleKind
from models.tree import Level, Node
from models.tree_service import ancestors_and_self

GRID_LEVELS = frozenset({Level.grid, Level.micro_grid})
# Who acts for a node of each level, as a message names them (never by person).
ROLE_AT_LEVEL = {
    Level.grid: RoleKind.grid_worker,
    Level.micro_grid: RoleKind.grid_worker,
    Level.community: RoleKind.community_admin,
    Level.town: RoleKind.town_admin,
    Level.district: RoleKind.district_official,
}


async def staff_at(session: AsyncSession, node: Node) -> list[Person]:
    """The people who act for `node` itself: grid workers on a grid, any staff above it."""
    kinds = (
        [RoleKind.grid_worker]
        if node.level in GRID_LEVELS
        else [k for k in RoleKind if k.is_staff]
    )
    result = await session.execute(
        select(Person)
        .join(Role, col(Role.person_id) == Person.id)
        .where(Role.node_id == node.id, col(Role.kind).in_(kinds))
        .order_by(col(Person.id))
        .distinct()
    )
    return list(result.scalars())


def reachable(person: Person) -> bool:
    """The bot can write to them: they opened the private chat and have not refused it since
    (a 403 clears `private_chat`). A notice to them is written to the outbox; that is what
    "told" means everywhere in the ticket workflow."""
    return person.private_chat and person.telegram_user_id is not None


@dataclass(frozen=True)
class Reach:
    """The staff of one node as a message can say it: by level, never by name."""

    node: Node
    on_file: int  # staff who act for the node
    told: int  # of them, reachable and sent a notice

    @property
    def role(self) -> RoleKind:
        return ROLE_AT_LEVEL[self.node.level]

    @property
    def missed(self) -> bool:
        """Some of its staff were not told."""
        return self.told < self.on_file

    @property
    def unreached(self) -> bool:
        """It has staff, and none of them was told."""
        return self.on_file > 0 and self.told == 0

    @property
    def vacant(self) -> bool:
        return self.on_file == 0


@dataclass
class Route:
    """Where a ticket lands: the node that must act, who is told, who could not be told, and
    each level walked on the way (bottom up)."""

    node: Node
    recipients: list[Person] = field(default_factory=list)
    unreachable: list[Person] = field(default_factory=list)
    walked: list[Reach] = field(default_factory=list)

    @property
    def nobody(self) -> bool:
        """No level up to the top has staff the bot can reach."""
        return not self.recipients


async def route_from(session: AsyncSession, start: Node) -> Route:
    """Walk up from `start` to the first level with staff who have a private chat with the bot."""
    path = await ancestors_and_self(session, start)
    unreachable: list[Person] = []
    walked: list[Reach] = []
    for node in reversed(path):
        staff = await staff_at(session, node)
        reached = [p for p in staff if reachable(p)]
        unreachable.extend(p for p in staff if not reachable(p))
        walked.append(Reach(node, len(staff), len(reached)))
        if reached:
            return Route(node, reached, unreachable, walked)
    return Route(path[0] if path else start, [], unreachable, walked)


async def parent_with_staff(session: AsyncSession, node: Node) -> Node | None:
    """The nearest ancestor of `node` that has any staff at all (the next level to escalate to)."""
    path = await ancestors_and_self(session, node)
    for ancestor in reversed(path[:-1]):
        if await staff_at(session, ancestor):
            return ancestor
    return None


async def alert_levels(session: AsyncSession, node: Node, levels: tuple[Level, ...]) -> list[Node]:
    """The ancestors of `node` whose level is in `levels` (told at once of a missing person)."""
    return [a for a in await ancestors_and_self(session, node) if a.level in levels]


async def reachable_staff(session: AsyncSession, nodes: list[Node]) -> list[Person]:
    """The reachable staff acting for any of `nodes`, each once."""
    people: dict[int, Person] = {}
    for node in nodes:
        for person in await staff_at(session, node):
            if reachable(person) and person.id is not None:
                people[person.id] = person
    return list(people.values())


async def reach_of(session: AsyncSession, nodes: list[Node], told: set[int]) -> list[Reach]:
    """For each node, how many staff act for it and how many of them are among `told`."""
    found = []
    for node in nodes:
        staff = await staff_at(session, node)
        found.append(Reach(node, len(staff), sum(1 for p in staff if p.id in told)))
    return found
