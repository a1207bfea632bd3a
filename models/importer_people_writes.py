"""Writing the people of an import and replacing their roles, with bulk statements only."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import delete, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.importer_node_writes import bulk_update
from models.importer_people import PersonPlan
from models.importer_report import ImportReport
from models.importer_state import PERSON_ID, DbPerson, DbState
from models.people import Person, Role

_CHUNK = 500  # ids per DELETE … IN (…), well under every backend's parameter limit


async def write_people(
    session: AsyncSession, plans: Mapping[str, PersonPlan], state: DbState, report: ImportReport
) -> dict[str, int]:
    """Create and update people; person ids by key."""
    ids = {key: person.id for key, person in state.people.items()}
    new = [_person_values(p) for key, p in plans.items() if key not in state.people]
    if new:
        stmt = insert(Person).returning(PERSON_ID, col(Person.key))
        inserted = await session.execute(stmt, new)
        ids.update({str(key): id_ for id_, key in inserted})
    changed = [
        (state.people[key], _person_values(plan))
        for key, plan in plans.items()
        if key in state.people and _differs(state.people[key], plan)
    ]
    # Free Telegram ids first, so two people may swap theirs within one import.
    released = [
        {"id": stored.id, "telegram_user_id": None}
        for stored, values in changed
        if stored.telegram_id is not None and stored.telegram_id != values["telegram_user_id"]
    ]
    await bulk_update(session, Person, released)
    await bulk_update(session, Person, [{"id": s.id, **values} for s, values in changed])
    report.people_created += len(new)
    report.people_updated += len(changed)
    return ids


def _person_values(plan: PersonPlan) -> dict[str, Any]:
    return {
        "key": plan.key,
        "name": plan.name,
        "phone": plan.phone,
        "telegram_user_id": plan.telegram_id,
        "telegram_username": plan.telegram_username,
    }


def _differs(stored: DbPerson, plan: PersonPlan) -> bool:
    return (stored.name, stored.phone, stored.telegram_id, stored.telegram_username) != (
        plan.name,
        plan.phone,
        plan.telegram_id,
        plan.telegram_username,
    )


async def write_roles(
    session: AsyncSession,
    plans: Mapping[str, PersonPlan],
    person_ids: Mapping[str, int],
    node_ids: Mapping[str, int],
    state: DbState,
    report: ImportReport,
) -> None:
    """Each person of the file ends up with exactly the file's roles."""
    removed: list[int] = []
    added: list[dict[str, Any]] = []
    for key, plan in plans.items():
        person_id = person_ids[key]
        current = state.roles.get(person_id, {})
        wanted = {(node_ids[code], kind) for code, kind in plan.roles}
        removed += [role_id for role_key, role_id in current.items() if role_key not in wanted]
        added += [
            {"person_id": person_id, "node_id": node_id, "kind": kind.value}
            for node_id, kind in sorted(wanted - current.keys())
        ]
    for chunk in _chunks(removed):
        stmt = delete(Role).where(col(Role.id).in_(chunk))
        await session.execute(stmt.execution_options(synchronize_session=False))
    if added:
        await session.execute(insert(Role), added)
    report.roles_added += len(added)
    report.roles_removed += len(removed)


def _chunks(items: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]
