"""Work-log entries (日志): which kind a text is, whether it found a hazard, and recording it."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from classify.normalise import normalise
from models.people import Person
from models.totals_write import count_work_log
from models.tree import Node
from models.work import WorkKind, WorkLog

KINDS_FILE = Path(__file__).with_name("kinds.toml")
MAX_TEXT = 2000


@dataclass(frozen=True)
class KindTable:
    terms: dict[WorkKind, tuple[str, ...]]
    hazard_signs: tuple[str, ...]
    all_clear: tuple[str, ...]


def load_table(path: Path = KINDS_FILE) -> KindTable:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    kinds = data.get("kinds", {})
    unknown = set(kinds) - {kind.value for kind in WorkKind}
    if unknown:
        raise ValueError(f"{path}: kinds: unknown kind {', '.join(sorted(unknown))}")
    hazard = data.get("hazard", {})
    return KindTable(
        terms={WorkKind(name): tuple(terms) for name, terms in kinds.items()},
        hazard_signs=tuple(hazard.get("signs", ())),
        all_clear=tuple(hazard.get("all_clear", ())),
    )


@cache
def default_table() -> KindTable:
    return load_table()


def recognise_kind(text: str, table: KindTable | None = None) -> WorkKind | None:
    """The kind whose term comes first in the text (the longer term at the same place)."""
    table = table or default_table()
    plain = normalise(text)
    best: tuple[int, int] | None = None
    found: WorkKind | None = None
    for kind, terms in table.terms.items():
        for term in terms:
            at = plain.find(term)
            if at >= 0 and (best is None or (at, -len(term)) < best):
                best, found = (at, -len(term)), kind
    return found


def found_hazard(text: str, kind: WorkKind, table: KindTable | None = None) -> bool:
    """A hazard check, or any entry naming a hazard, unless it says nothing was found."""
    table = table or default_table()
    plain = normalise(text)
    if any(phrase in plain for phrase in table.all_clear):
        return False
    return kind is WorkKind.hazard or any(sign in plain for sign in table.hazard_signs)


async def record_log(
    session: AsyncSession, person: Person, node: Node, kind: WorkKind, text: str, now: datetime
) -> WorkLog:
    assert person.id is not None and node.id is not None
    entry = WorkLog(
        person_id=person.id, node_id=node.id, kind=kind, text=text[:MAX_TEXT], created_at=now
    )
    session.add(entry)
    await session.flush()
    await count_work_log(session, entry)
    return entry


async def logs_of(
    session: AsyncSession, person: Person, since: datetime, limit: int = 20
) -> list[WorkLog]:
    """The person's own entries since `since`, newest first."""
    result = await session.execute(
        select(WorkLog)
        .where(WorkLog.person_id == person.id, col(WorkLog.created_at) >= since)
        .order_by(col(WorkLog.created_at).desc(), col(WorkLog.id).desc())
        .limit(limit)
    )
    return list(result.scalars())
