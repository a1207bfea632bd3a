"""Who must hear about a headcount now: prompts when a round opens, reminders after its deadline,
a summary to whoever opened it. Each is sent once (a JobRun row per message)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, or_, select

from audit.log import run_once
from models.audit import JobRun
from models.people import Person, Role, RoleKind
from models.tree import Node, lineage_ids
from models.work import HeadcountAnswer, HeadcountRound
from work.headcount import local_day
from work.scope import counting_grids

PROMPT, REMIND, SUMMARY = "hc_prompt", "hc_remind", "hc_summary"


@dataclass(frozen=True)
class Due:
    job: str  # PROMPT | REMIND | SUMMARY
    round: HeadcountRound
    person: Person
    grid: Node | None = None  # None for a SUMMARY

    @property
    def key(self) -> str:
        grid = self.grid.id if self.grid is not None else "-"
        return f"{self.round.id}:{grid}:{self.person.id}"


async def due_messages(session: AsyncSession, now: datetime, tz: tzinfo, limit: int) -> list[Due]:
    """Up to `limit` messages not sent yet for today's rounds, oldest round first."""
    rounds = await session.execute(
        select(HeadcountRound)
        .where(
            HeadcountRound.day == local_day(now, tz),
            col(HeadcountRound.closed_at).is_(None),
            col(HeadcountRound.reminded_at).is_(None),
        )
        .order_by(col(HeadcountRound.id))
    )
    due: list[Due] = []
    for held in rounds.scalars():
        due.extend(await _due_for_round(session, held, now))
        if len(due) >= limit:
            break
    return due[:limit]


async def _due_for_round(session: AsyncSession, held: HeadcountRound, now: datetime) -> list[Due]:
    root = await session.get(Node, held.node_id)
    if root is None:
        return []
    late = held.deadline_at <= now
    job = REMIND if late else PROMPT
    sent = await _sent_keys(session, held, job)
    answered = await _answered(session, held)
    workers = await _grid_workers(session, root)
    due: list[Due] = []
    for grid in await counting_grids(session, root):
        if grid.id in answered:
            continue
        for person in _nearest(workers, grid):
            item = Due(job, held, person, grid)
            if item.key not in sent:
                due.append(item)
    if late and held.opened_by is not None:
        opener = await session.get(Person, held.opened_by)
        summary = Due(SUMMARY, held, opener) if opener is not None else None
        if summary is not None and summary.key not in await _sent_keys(session, held, SUMMARY):
            due.append(summary)
    return [d for d in due if d.person.private_chat and d.person.telegram_user_id is not None]


async def _sent_keys(session: AsyncSession, held: HeadcountRound, job: str) -> set[str]:
    result = await session.execute(
        select(JobRun.key).where(JobRun.job == job, col(JobRun.key).startswith(f"{held.id}:"))
    )
    return set(result.scalars())


async def _answered(session: AsyncSession, held: HeadcountRound) -> set[int]:
    result = await session.execute(
        select(HeadcountAnswer.node_id).where(HeadcountAnswer.round_id == held.id)
    )
    return set(result.scalars())


async def _grid_workers(session: AsyncSession, root: Node) -> dict[int, list[Person]]:
    """Grid workers by the node they hold the role on, for `root`'s path and subtree."""
    result = await session.execute(
        select(Role.node_id, Person)
        .join(Person, col(Person.id) == Role.person_id)
        .join(Node, col(Node.id) == Role.node_id)
        .where(
            Role.kind == RoleKind.grid_worker,
            or_(
                col(Node.lineage).startswith(root.lineage),
                col(Node.id).in_(lineage_ids(root.lineage)),
            ),
        )
        .order_by(col(Person.id))
    )
    workers: dict[int, list[Person]] = {}
    for node_id, person in result.all():
        workers.setdefault(node_id, []).append(person)
    return workers


def _nearest(workers: dict[int, list[Person]], grid: Node) -> list[Person]:
    """The workers of the grid, or of the nearest node above it that has any."""
    for node_id in reversed(lineage_ids(grid.lineage)):
        if node_id in workers:
            return workers[node_id]
    return []


async def claim(session: AsyncSession, due: Due, now: datetime) -> bool:
    """Take the message for sending; False if it was already taken (sent once only)."""
    return await run_once(session, due.job, due.key, now)


async def finish_reminders(session: AsyncSession, now: datetime, tz: tzinfo) -> int:
    """Rounds past their deadline whose reminders all went out: stop looking at them."""
    result = await session.execute(
        select(HeadcountRound).where(
            HeadcountRound.day == local_day(now, tz),
            col(HeadcountRound.reminded_at).is_(None),
            col(HeadcountRound.deadline_at) <= now,
        )
    )
    finished = 0
    for held in result.scalars():
        if not await _due_for_round(session, held, now):
            held.reminded_at = now
            finished += 1
    await session.flush()
    return finished
