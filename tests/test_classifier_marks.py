"""Staff correct the classifier on a ticket (SQLite and PostgreSQL): 误报 closes an open ticket
and tells the group, 改为 X changes its category; every mark is stored with the message and the
guess, and `gridbot classify export-marks` writes them in the corpus format."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from classify.evaluate import Example, load_corpus
from cli.main import main
from core.db import make_engine, make_session_factory
from core.vocabulary import Category, EventKind, Priority, TicketStatus
from models.access import Refused
from models.reviews import ClassifierMark
from tests.test_ticket_workflow import LEAK, MISSING, NOW, W1, W2, World, build_world
from tickets import actions
from tickets.events import GroupUpdate, TellGroup
from tickets.marks import Marked, mark_ticket


@pytest.fixture
async def world(session_factory: async_sessionmaker[AsyncSession]) -> World:
    return await build_world(session_factory)


async def mark(world: World, number: int | None, label: Category, who: int = W1) -> Marked:
    async with world.session() as s:
        return await mark_ticket(s, number or 0, who, label, NOW, world.policy)


async def marks(world: World) -> list[ClassifierMark]:
    async with world.session() as s:
        found = await s.execute(select(ClassifierMark).order_by(col(ClassifierMark.id)))
        return list(found.scalars())


async def test_a_false_alarm_closes_the_open_ticket_and_tells_the_group(world: World) -> None:
    ticket = await world.open(LEAK)
    marked = await mark(world, ticket.id, Category.NONE)

    assert marked.changed
    assert marked.notices == [
        TellGroup(ticket.id or 0, GroupUpdate.false_alarm, (await world.pid(W1),))
    ]
    closed = await world.ticket(ticket.id)
    assert (closed.status, closed.closed_at, closed.claim_due_at) == (
        TicketStatus.closed,
        NOW,
        None,
    )
    assert (await world.kinds(ticket.id))[-1] is EventKind.false_alarm
    (stored,) = await marks(world)
    assert (stored.ticket_id, stored.text, stored.person_id) == (
        ticket.id,
        LEAK,
        await world.pid(W1),
    )
    assert (stored.guessed_category, stored.guessed_priority) == (Category.REPAIR, Priority.NORMAL)
    assert (stored.label_category, stored.label_priority) == (Category.NONE, Priority.NORMAL)


async def test_another_category_changes_the_open_ticket_and_a_later_mark_replaces_it(
    world: World,
) -> None:
    ticket = await world.open(LEAK)
    marked = await mark(world, ticket.id, Category.MISSING_PERSON)
    changed = await world.ticket(ticket.id)
    assert marked.changed and marked.notices == []
    assert (changed.category, changed.priority) == (Category.MISSING_PERSON, Priority.URGENT)
    events = await world.events(ticket.id)
    assert (events[-1].kind, events[-1].text) == (EventKind.recategorised, "报修→寻人")

    await mark(world, ticket.id, Category.SAFETY)
    (stored,) = await marks(world)  # one mark per ticket, the guess kept
    assert (stored.guessed_category, stored.guessed_priority) == (Category.REPAIR, Priority.NORMAL)
    assert (stored.label_category, stored.label_priority) == (Category.SAFETY, Priority.NORMAL)


async def test_a_resolved_ticket_keeps_its_state_and_only_the_mark_is_stored(
    world: World,
) -> None:
    ticket = await world.open(LEAK)
    async with world.session() as s:
        await actions.resolve(s, ticket.id or 0, W1, "已修好", (), NOW, world.policy)
    marked = await mark(world, ticket.id, Category.NONE)
    assert not marked.changed and marked.notices == []
    assert (await world.ticket(ticket.id)).status is TicketStatus.resolved
    assert [m.label_category for m in await marks(world)] == [Category.NONE]


async def test_refusals_other_grids_and_the_same_category(world: World) -> None:
    ticket = await world.open(LEAK)
    with pytest.raises(Refused) as refused:
        await mark(world, ticket.id, Category.NONE, who=W2)
    assert refused.value.reason == "forbidden"
    with pytest.raises(Refused) as refused:
        await mark(world, ticket.id, Category.REPAIR)
    assert refused.value.reason == "same"
    assert await marks(world) == []


# --- export-marks: the corpus format, read back by the corpus loader -----------------------------


def test_export_marks_round_trips_through_the_corpus_loader(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def marked_world() -> None:
        engine = make_engine(database_url)
        world = await build_world(make_session_factory(engine))
        leak = await world.open(LEAK)
        missing = await world.open(f"{MISSING}，电话13812345678\t请转告")
        await mark(world, leak.id, Category.NONE)
        await mark(world, missing.id, Category.SAFETY)
        async with world.session() as s:  # an old mark, before --since
            first = (await s.execute(select(ClassifierMark))).scalars().first()
            assert first is not None
            first.at = NOW - timedelta(days=3)
        await engine.dispose()

    asyncio.run(marked_world())
    monkeypatch.setenv("GRIDBOT_DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)
    everything, recent = tmp_path / "all.tsv", tmp_path / "recent.tsv"

    assert main(["classify", "export-marks", str(everything)]) == 0
    assert main(["classify", "export-marks", "--since", f"{NOW:%Y-%m-%d}", str(recent)]) == 0

    masked = f"{MISSING}，电话138****5678 请转告"
    assert load_corpus(everything) == [
        Example(LEAK, Category.NONE, Priority.NORMAL),
        Example(masked, Category.SAFETY, Priority.URGENT),
    ]
    assert load_corpus(recent) == [Example(masked, Category.SAFETY, Priority.URGENT)]
