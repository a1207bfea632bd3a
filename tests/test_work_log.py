"""Work-log entries: kinds recognised from the text, hazards found, and a hazard's ticket opened
through the ticket workflow (SQLite and PostgreSQL for the storage parts)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from classify import default_classifier
from models.access import Refused
from models.people import Person
from models.tree_service import node_by_code
from models.work import WorkKind, WorkLog
from tests.test_ticket_workflow import CHAT, GRID1, GRID2, NOW, W1, W2, World, build_world
from tickets.events import NotifyStaff, StaffReason
from tickets.opening import Outcome
from work.hazards import hazard_to_ticket
from work.worklog import found_hazard, load_table, logs_of, recognise_kind, record_log


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("入户走访 3号楼 5户，发现楼道堆物1处", WorkKind.visit),
        ("隐患排查 5号楼电动车楼道充电", WorkKind.hazard),
        ("帮王大爷代缴电费", WorkKind.service),
        ("调解2单元邻里噪音纠纷", WorkKind.mediation),
        ("采集新入住人员信息3人", WorkKind.info),
        ("給3號樓王大爺送藥", WorkKind.service),  # traditional script
        ("排查时顺便走访了独居老人", WorkKind.hazard),  # the kind named first wins
        ("与物业沟通下周垃圾清运安排", None),
    ],
)
def test_the_kind_is_the_one_named_first(text: str, kind: WorkKind | None) -> None:
    assert recognise_kind(text) is kind


def test_a_longer_term_wins_at_the_same_place(tmp_path: Path) -> None:
    path = tmp_path / "kinds.toml"
    path.write_text('[kinds]\nvisit = ["入户"]\ninfo = ["入户登记"]\n', encoding="utf-8")
    assert recognise_kind("入户登记 2户", load_table(path)) is WorkKind.info


def test_an_unknown_kind_in_the_table_is_named(tmp_path: Path) -> None:
    path = tmp_path / "kinds.toml"
    path.write_text('[kinds]\npatrol = ["巡逻"]\n', encoding="utf-8")
    with pytest.raises(ValueError, match="unknown kind patrol"):
        load_table(path)


@pytest.mark.parametrize(
    ("text", "kind", "found"),
    [
        ("入户走访 3号楼 5户，发现楼道堆物1处", WorkKind.visit, True),
        ("隐患排查 5号楼", WorkKind.hazard, True),
        ("排查燃气管道，未发现问题", WorkKind.hazard, False),
        ("入户走访 2户，一切正常", WorkKind.visit, False),
        ("帮王大爷代缴电费", WorkKind.service, False),
    ],
)
def test_a_hazard_is_found_unless_the_entry_says_all_clear(
    text: str, kind: WorkKind, found: bool
) -> None:
    assert found_hazard(text, kind) is found


@pytest.fixture
async def world(session_factory: async_sessionmaker[AsyncSession]) -> World:
    return await build_world(session_factory)


async def _log(world: World, user: int, code: str, text: str, kind: WorkKind) -> WorkLog:
    async with world.session() as s:
        person = await s.get(Person, await world.pid(user))
        node = await node_by_code(s, code)
        assert person is not None and node is not None
        return await record_log(s, person, node, kind, text, NOW)


async def test_entries_are_kept_and_listed_newest_first(world: World) -> None:
    first = await _log(world, W1, GRID1, "入户走访 3号楼 5户", WorkKind.visit)
    second = await _log(world, W1, GRID1, "帮王大爷代缴电费", WorkKind.service)
    await _log(world, W2, GRID2, "调解邻里纠纷", WorkKind.mediation)
    async with world.session() as s:
        person = await s.get(Person, await world.pid(W1))
        assert person is not None
        mine = await logs_of(s, person, NOW - timedelta(hours=1))
        later = await logs_of(s, person, NOW + timedelta(seconds=1))
    assert [e.id for e in mine] == [second.id, first.id]
    assert mine[1].kind is WorkKind.visit and mine[1].node_id == await world.node_id(GRID1)
    assert later == []


async def test_a_hazard_becomes_a_ticket_on_the_grid_reported_by_the_worker(world: World) -> None:
    entry = await _log(world, W1, GRID1, "入户走访 3号楼，发现楼道堆物1处", WorkKind.visit)
    classify = default_classifier().classify
    async with world.session() as s:
        done = await hazard_to_ticket(s, entry.id or 0, W1, classify, world.policy, NOW)
    assert done.opening is not None and done.opening.outcome is Outcome.opened
    ticket = await world.ticket(done.ticket.id)
    assert (ticket.category, ticket.node_id) == ("safety", await world.node_id(GRID1))
    assert (ticket.reporter_user_id, ticket.reporter_name) == (W1, "黄秀英")
    assert ticket.text == "入户走访 3号楼，发现楼道堆物1处"
    assert done.opening.notices == [
        NotifyStaff(ticket.id or 0, (await world.pid(W1),), StaffReason.new)
    ]
    async with world.session() as s:
        again = await hazard_to_ticket(s, entry.id or 0, W1, classify, world.policy, NOW)
        stored = await s.get(WorkLog, entry.id)
    assert again.opening is None and again.ticket.id == ticket.id
    assert stored is not None and stored.ticket_id == ticket.id
    assert len(await world.tickets()) == 1


async def test_the_classifiers_environment_verdict_is_kept(world: World) -> None:
    entry = await _log(world, W1, GRID1, "楼道堆放杂物", WorkKind.hazard)
    async with world.session() as s:
        done = await hazard_to_ticket(
            s, entry.id or 0, W1, default_classifier().classify, world.policy, NOW
        )
    assert done.ticket.category == "environment"


async def test_another_grids_worker_cannot_turn_the_entry_into_a_ticket(world: World) -> None:
    entry = await _log(world, W1, GRID1, "隐患排查 电动车楼道充电", WorkKind.hazard)
    async with world.session() as s:
        with pytest.raises(Refused) as refused:
            await hazard_to_ticket(
                s, entry.id or 0, W2, default_classifier().classify, world.policy, NOW
            )
    assert refused.value.reason == "forbidden"
    assert await world.tickets() == []


async def test_a_grid_without_a_group_says_so_and_keeps_the_entry(world: World) -> None:
    entry = await _log(world, W2, GRID2, "隐患排查 电动车楼道充电", WorkKind.hazard)
    async with world.session() as s:
        with pytest.raises(Refused) as refused:
            await hazard_to_ticket(
                s, entry.id or 0, W2, default_classifier().classify, world.policy, NOW
            )
        assert await s.get(WorkLog, entry.id) is not None
    assert refused.value.reason == "no_group"
    await world.bind(CHAT + 1, GRID2)
    async with world.session() as s:
        done = await hazard_to_ticket(
            s, entry.id or 0, W2, default_classifier().classify, world.policy, NOW
        )
    assert done.ticket.node_id == await world.node_id(GRID2)
