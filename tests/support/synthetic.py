"""Synthetic activity on an imported district, for the benchmark and the figures tests.

Rows follow the workflow's own rules: a claimed ticket has `claimed_at`, a resolved or closed one
`resolved_at`, a closed one `closed_at`; each escalation is a `ticket_event` naming the node it
reached; an unsatisfied rating leaves the ticket reopened; every event time is in order.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from models.people import Role, RoleKind
from models.totals import DEFAULT_ZONE
from models.totals_rebuild import rebuild_totals
from models.totals_write import counted_zone
from models.tree import Level, Node, lineage_ids
from tests.support.synthetic_rows import TEXTS, Rows, write_rows

CATEGORIES = (
    ("repair", 30),
    ("environment", 25),
    ("safety", 12),
    ("dispute", 10),
    ("assistance", 15),
    ("other", 7),
    ("missing_person", 1),
)
STATUSES = (("new", 8), ("claimed", 14), ("reopened", 3), ("resolved", 15), ("closed", 60))
RATINGS = (("satisfied", 60), ("basically_satisfied", 28), (None, 12))
SURNAMES = "王李张刘陈杨赵黄周吴"
GIVEN = ("秀英", "建国", "桂兰", "志强", "淑珍", "海燕", "国华", "玉梅")


@dataclass
class Grid:
    node_id: int
    group_id: int
    worker_id: int | None
    above: list[int]  # community, town, district ids: where escalations go


async def load_grids(session: AsyncSession) -> list[Grid]:
    """Every leaf grid with its group (created when missing) and its grid worker."""
    nodes = list((await session.execute(select(Node).order_by(col(Node.id)))).scalars())
    parents = {n.parent_id for n in nodes}
    leaves = [
        n for n in nodes if n.level in (Level.grid, Level.micro_grid) and n.id not in parents
    ]
    roles = await session.execute(select(Role).where(col(Role.kind) == RoleKind.grid_worker))
    workers = {r.node_id: r.person_id for r in roles.scalars()}
    groups = await ensure_groups(session, leaves)
    return [
        Grid(n.id or 0, groups[n.id or 0], workers.get(n.id or 0), lineage_ids(n.lineage)[-2::-1])
        for n in leaves
    ]


async def ensure_groups(session: AsyncSession, grids: list[Node]) -> dict[int, int]:
    from models.groups import Group

    found = await session.execute(
        select(col(Group.node_id), col(Group.id)).where(col(Group.active))
    )
    groups: dict[int, int] = {n: g for n, g in found.all() if n is not None and g is not None}
    for grid in grids:
        if grid.id not in groups:
            group = Group(
                chat_id=-100_000_000_000 - (grid.id or 0), title=grid.name, node_id=grid.id
            )
            session.add(group)
            await session.flush()
            groups[grid.id or 0] = group.id or 0
    return groups


def pick(rng: random.Random, weighted: tuple[tuple[object, int], ...]) -> object:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def make_ticket(
    rows: Rows, rng: random.Random, grid: Grid, opened: datetime, now: datetime
) -> None:
    """One ticket with its whole history, never later than `now`."""
    status, category = str(pick(rng, STATUSES)), str(pick(rng, CATEGORIES))
    ticket_id = rows.next_id("ticket")
    ups = min(rng.choices((0, 1, 2), (85, 11, 4))[0], len(grid.above))
    claimed = resolved = closed = rating = None
    if status != "new":
        claimed = min(now, opened + timedelta(minutes=rng.expovariate(1 / 40)))
    if status in ("resolved", "closed", "reopened") and claimed is not None:
        resolved = min(now, claimed + timedelta(hours=rng.expovariate(1 / 9)))
    if status == "closed" and resolved is not None:
        closed = min(now, resolved + timedelta(hours=rng.uniform(0.1, 40)))
        rating = pick(rng, RATINGS)
    handling = grid.above[ups - 1] if ups else grid.node_id
    rows.ticket(
        {
            **rows.ticket_defaults(category, rng),
            "id": ticket_id,
            "category": category,
            "status": status,
            "group_id": grid.group_id,
            "node_id": grid.node_id,
            "handling_node_id": handling,
            "escalation_level": ups,
            "reporter_name": rng.choice(SURNAMES) + rng.choice(GIVEN),
            "created_at": opened,
            "assignee_person_id": grid.worker_id if claimed else None,
            "claimed_at": claimed,
            "resolved_at": None if status == "reopened" else resolved,
            "closed_at": closed,
            "rating": "unsatisfied" if status == "reopened" else rating,
            "rated_at": resolved if status == "reopened" else (closed if rating else None),
            **_board_fields(ticket_id, category, status, (opened, claimed, resolved, closed)),
        }
    )
    story = Story(ticket_id, grid, ups, status, opened, claimed, resolved, closed, bool(rating))
    _history(rows, story, now)


def _board_fields(
    ticket_id: int, category: str, status: str, times: tuple[datetime | None, ...]
) -> dict[str, Any]:
    """What the ticket board reads besides the figures: a text that differs between tickets,
    the latest change and the deadline of an open ticket (as in the default SLA)."""
    opened, claimed = times[0], times[1]
    assert opened is not None
    changes = [moment for moment in times if moment is not None]
    return {
        "text": f"{TEXTS[category]}{ticket_id % 37 + 1}号楼{ticket_id % 6 + 1}单元",
        "updated_at": max(changes),
        "claim_due_at": opened + timedelta(hours=2) if status in ("new", "reopened") else None,
        "resolve_due_at": claimed + timedelta(hours=48)
        if status == "claimed" and claimed
        else None,
    }


@dataclass
class Story:
    ticket_id: int
    grid: Grid
    ups: int
    status: str
    opened: datetime
    claimed: datetime | None
    resolved: datetime | None
    closed: datetime | None
    rated: bool


def _history(rows: Rows, t: Story, now: datetime) -> None:
    """The ticket's events in time order, as the workflow records them."""
    handling = t.grid.above[t.ups - 1] if t.ups else t.grid.node_id
    step = (t.claimed or now) - t.opened
    rows.event(t.ticket_id, "opened", t.opened, t.grid.node_id)
    for level in range(t.ups):
        at = t.opened + step * (level + 1) / (t.ups + 1)
        rows.event(t.ticket_id, "escalated", at, t.grid.above[level])
    if t.claimed is not None:
        rows.event(t.ticket_id, "claimed", t.claimed, handling)
    if t.resolved is not None:
        rows.event(t.ticket_id, "resolved", t.resolved, handling)
    if t.status == "reopened" and t.resolved is not None:
        rows.event(t.ticket_id, "rated", t.resolved, None)
        rows.event(t.ticket_id, "reopened", t.resolved, None)
    if t.closed is not None:
        if t.rated:
            rows.event(t.ticket_id, "rated", t.closed, None)
        rows.event(t.ticket_id, "closed", t.closed, None)


async def generate_activity(
    factory: async_sessionmaker[AsyncSession],
    tickets: int,
    days: int,
    now: datetime,
    seed: int = 11,
    broadcasts_per_day: int = 1,
    logs_per_grid_day: float = 0.5,
    count: bool = True,
) -> None:
    """`tickets` tickets opened over the `days` days before `now`, broadcasts, work logs and
    a headcount round for today; written in bulk (COPY on PostgreSQL), then (`count`) counted
    into the daily totals."""
    rng = random.Random(seed)
    async with factory() as session:
        grids = await load_grids(session)
        await session.commit()
    rows = Rows()
    await rows.start_ids(factory)
    span = timedelta(days=days).total_seconds()
    start = now - timedelta(days=days)
    # Rows go in in time order, as a live system writes them (the heap follows created_at).
    opened = sorted(rng.uniform(0, span) for _ in range(tickets))
    for number, offset in enumerate(opened):
        grid = grids[rng.randrange(len(grids))]
        make_ticket(rows, rng, grid, start + timedelta(seconds=offset), now)
        if number % 50_000 == 49_999:
            await write_rows(factory, rows)
    for day in range(days * broadcasts_per_day):
        sent = start + timedelta(days=day / broadcasts_per_day, hours=rng.uniform(1, 10))
        rows.broadcast(rng, sent, grids)
    logs = [
        (rng.uniform(0, span), grid)
        for grid in grids
        for _ in range(int(days * logs_per_grid_day + rng.random()))
    ]
    for offset, grid in sorted(logs, key=lambda log: log[0]):
        rows.work_log(rng, grid, start + timedelta(seconds=offset))
    rows.headcount(rng, grids, now)
    await write_rows(factory, rows)
    if count:
        await count_totals(factory)


async def count_totals(factory: async_sessionmaker[AsyncSession]) -> None:
    """Rows written in bulk bypass the workflow, as an old database's did: count them again
    (`gridbot stats rebuild-totals`), in the zone the totals are kept in."""
    async with factory() as session, session.begin():
        zone = await counted_zone(session) or ZoneInfo(DEFAULT_ZONE)
        await rebuild_totals(session, zone)
