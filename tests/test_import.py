"""Importing tree files into SQLite and PostgreSQL: all-or-nothing, idempotent, upserting."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql.elements import KeyedColumnElement
from sqlmodel import SQLModel, col

from models.demo_data import generate_district
from models.importer import ImportFailed, ImportReport, export_file, export_tree, import_file
from models.importer import import_tree as run_import_tree
from models.people import Person, Role
from models.tree import Node, child_lineage
from models.tree_service import node_by_code
from models.treefile import COLUMNS, NodeRow, StaffRow, parse_csv, write_csv

Factory = async_sessionmaker[AsyncSession]
BASE = [
    "node,PG,平谷区,district,,,,,,",
    "node,PG-01,滨河街道,town,PG,,,,,",
    "node,PG-02,兴谷街道,town,PG,,,,,",
    "node,PG-01-001,府前社区,community,PG-01,,,,,",
    "node,PG-01-001-01,第1网格,micro_grid,PG-01-001,,,,,",
    "node,PG-01-001-02,第2网格,micro_grid,PG-01-001,,,,,",
    "staff,PG-01-001-01,张伟,,,W0001,grid_worker,13800000001,930000001,zhangwei",
    "staff,PG-01-001,张伟,,,W0001,community_admin,13800000001,930000001,zhangwei",
    "staff,PG-01,李娜,,,T0001,town_admin,,910000001,",
]


def rows(*lines: str) -> tuple[list[NodeRow], list[StaffRow]]:
    nodes, staff, errors = parse_csv("\n".join([",".join(COLUMNS), *lines]))
    assert errors == []
    return nodes, staff


async def load(factory: Factory, *lines: str) -> ImportReport:
    async with factory() as session:
        report = await run_import_tree(session, *rows(*lines))
        await session.commit()
    return report


async def failures(factory: Factory, *lines: str) -> list[tuple[int, str]]:
    """The errors of a refused import, after committing the session anyway."""
    async with factory() as session:
        with pytest.raises(ImportFailed) as failed:
            await run_import_tree(session, *rows(*lines))
        await session.commit()  # the import must not have written anything to commit
    return [(e.line, e.reason) for e in failed.value.errors]


def columns(model: type[SQLModel]) -> list[KeyedColumnElement[Any]]:
    """Every column of the model's table (`Model.__table__.c`, which the stubs do not know)."""
    return list(inspect(model).local_table.c)


async def snapshot(factory: Factory) -> dict[str, Any]:
    async with factory() as session:
        nodes = await session.execute(select(*columns(Node)).order_by(col(Node.code)))
        people = await session.execute(select(*columns(Person)).order_by(col(Person.key)))
        roles = await session.execute(select(*columns(Role)).order_by(col(Role.id)))
        return {
            "nodes": [row._asdict() for row in nodes],
            "people": [row._asdict() for row in people],
            "roles": [row._asdict() for row in roles],
        }


def by_code(state: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n["code"]: n for n in state["nodes"]}


def assert_lineages_correct(state: dict[str, Any]) -> None:
    by_id = {n["id"]: Node(**n) for n in state["nodes"]}
    for node in by_id.values():
        parent = by_id.get(node.parent_id) if node.parent_id is not None else None
        assert node.id is not None and node.lineage == child_lineage(parent, node.id), node.code


async def test_a_good_file_creates_tree_people_and_roles(session_factory: Factory) -> None:
    report = await load(session_factory, *BASE)
    assert report == ImportReport(nodes_created=6, people_created=2, roles_added=3)
    state = await snapshot(session_factory)
    assert_lineages_correct(state)
    assert by_code(state)["PG-01-001-01"]["level"] == "micro_grid"
    zhang = next(p for p in state["people"] if p["key"] == "W0001")
    assert (zhang["telegram_user_id"], zhang["telegram_username"]) == (930000001, "zhangwei")


async def test_bad_rows_are_all_reported_by_line_and_nothing_is_written(
    session_factory: Factory,
) -> None:
    errors = await failures(
        session_factory,
        *BASE,
        "node,PG-03,渔阳地区,town,PG-XX,,,,,",  # line 11
        "node,PG-01,滨河街道二,town,PG,,,,,",
        "node,PG-02-001,某社区,district,PG-02,,,,,",
        "node,PG-02-002,某村,town,PG-02,,,,,",
        "staff,PG-09,王芳,,,W0002,grid_worker,,930000002,",  # line 15
        "staff,PG-01-001-02,张伟,,,W0001,grid_worker,13900000000,930000001,zhangwei",
        "staff,PG-01-001-02,赵敏,,,W0003,grid_worker,,930000001,",
    )
    assert errors == [
        (11, "unknown parent 'PG-XX'"),
        (12, "duplicate code 'PG-01' (first on line 3)"),
        (13, "a district is a root and cannot have a parent"),
        (14, "level town does not fit under parent 'PG-02' (town); "
             "a child must be below its parent's level"),
        (15, "unknown node 'PG-09'"),
        (16, "conflicting data for person 'W0001': phone '13900000000' differs from "
             "'13800000001' on line 8"),
        (17, "telegram_id 930000001 is already used by person 'W0001' (line 8)"),
    ]  # fmt: skip
    assert await snapshot(session_factory) == {"nodes": [], "people": [], "roles": []}


async def test_import_tree_leaves_commit_and_rollback_to_the_caller(
    session_factory: Factory,
) -> None:
    async with session_factory() as session:
        report = await run_import_tree(session, *rows(*BASE))
        assert report.nodes_created == 6
        await session.rollback()  # e.g. a later step of the same unit of work failed
    assert await snapshot(session_factory) == {"nodes": [], "people": [], "roles": []}


async def test_a_refused_import_leaves_the_stored_tree_as_it_was(session_factory: Factory) -> None:
    await load(session_factory, *BASE)
    before = await snapshot(session_factory)
    changed = [line.replace("府前社区", "府前东社区") for line in BASE]
    await failures(session_factory, *changed, "staff,PG-01,王芳,,,W0002,town_admin,,910000001,")
    assert await snapshot(session_factory) == before


async def test_reimporting_the_same_file_changes_nothing(session_factory: Factory) -> None:
    await load(session_factory, *BASE)
    before = await snapshot(session_factory)
    report = await load(session_factory, *BASE)
    assert report == ImportReport(nodes_unchanged=6)
    assert not report.changed
    assert await snapshot(session_factory) == before


async def test_a_renamed_node_is_updated_in_place(session_factory: Factory) -> None:
    await load(session_factory, *BASE)
    old = by_code(await snapshot(session_factory))["PG-01-001"]
    report = await load(session_factory, "node,PG-01-001,府前街社区,community,PG-01,,,,,")
    assert (report.nodes_updated, report.nodes_created) == (1, 0)
    new = by_code(await snapshot(session_factory))["PG-01-001"]
    assert new == {**old, "name": "府前街社区"}


async def test_moving_a_node_recomputes_lineage_for_its_whole_subtree(
    session_factory: Factory,
) -> None:
    await load(session_factory, *BASE)
    report = await load(session_factory, "node,PG-01-001,府前社区,community,PG-02,,,,,")
    assert report.nodes_updated == 1
    state = await snapshot(session_factory)
    assert_lineages_correct(state)
    nodes = by_code(state)
    grid = nodes["PG-01-001-02"]["lineage"]
    assert grid.startswith(nodes["PG-02"]["lineage"]) and f"/{nodes['PG-01']['id']}/" not in grid


async def test_moving_a_node_under_its_own_descendant_is_a_cycle(
    session_factory: Factory,
) -> None:
    await load(session_factory, *BASE)
    errors = await failures(session_factory, "node,PG-01,滨河街道,town,PG-01-001-01,,,,,")
    assert errors == [
        (2, "cycle: PG-01 → PG-01-001-01 → PG-01-001 → PG-01 "
            "(→ points to the parent; a node cannot sit under its own descendant)")
    ]  # fmt: skip


async def test_a_cycle_within_the_file_is_reported_on_each_of_its_rows(
    session_factory: Factory,
) -> None:
    errors = await failures(
        session_factory,
        "node,A,甲,community,B,,,,,",
        "node,B,乙,community,A,,,,,",
        "node,C,丙,grid,C,,,,,",
    )
    assert [(line, reason.split(" (")[0]) for line, reason in errors] == [
        (2, "cycle: A → B → A"),
        (3, "cycle: B → A → B"),
        (4, "cycle: C → C"),
    ]


async def test_a_level_change_that_would_strand_a_stored_child_is_refused(
    session_factory: Factory,
) -> None:
    await load(session_factory, *BASE)
    errors = await failures(session_factory, "node,PG-01-001,府前社区,micro_grid,PG-01,,,,,")
    assert errors == [
        (2, "level micro_grid would not be above its existing child 'PG-01-001-01' (micro_grid)"),
        (2, "level micro_grid would not be above its existing child 'PG-01-001-02' (micro_grid)"),
    ]


async def test_a_persons_roles_become_exactly_those_in_the_file(session_factory: Factory) -> None:
    await load(session_factory, *BASE)
    report = await load(
        session_factory, "staff,PG-01-001-02,张伟,,,W0001,grid_worker,13800000001,930000001,"
    )
    assert report == ImportReport(people_updated=1, roles_added=1, roles_removed=2)
    async with session_factory() as session:
        held = await session.execute(
            select(col(Person.key), col(Node.code), col(Role.kind))
            .join(Role, col(Role.person_id) == Person.id)
            .join(Node, col(Node.id) == Role.node_id)
            .order_by(col(Person.key))
        )
        assert held.all() == [
            ("T0001", "PG-01", "town_admin"),  # not in the file: left alone
            ("W0001", "PG-01-001-02", "grid_worker"),
        ]


async def test_a_telegram_id_held_by_someone_else_is_refused_but_a_swap_is_fine(
    session_factory: Factory,
) -> None:
    await load(session_factory, *BASE)
    taken = await failures(session_factory, "staff,PG-02,王芳,,,T0002,town_admin,,910000001,")
    assert taken == [
        (2, "telegram_id 910000001 is already used by another person ('T0001', 李娜)")
    ]
    swap = await load(
        session_factory,
        "staff,PG-01,李娜,,,T0001,town_admin,,930000001,",
        "staff,PG-01-001-01,张伟,,,W0001,grid_worker,13800000001,910000001,zhangwei",
        "staff,PG-01-001,张伟,,,W0001,community_admin,,,",
    )
    assert (swap.people_updated, swap.roles_added, swap.roles_removed) == (2, 0, 0)


async def test_export_then_import_round_trips_as_unchanged(
    session_factory: Factory, tmp_path: Path
) -> None:
    nodes, staff = generate_district(grids=40)
    (tmp_path / "district.csv").write_text(write_csv(nodes, staff), encoding="utf-8")
    first = await import_file(tmp_path / "district.csv", session_factory)
    assert (first.nodes_created, first.roles_added) == (len(nodes), len(staff))
    before = await snapshot(session_factory)
    for name in ("back.csv", "back.yaml"):
        assert await export_file(tmp_path / name, session_factory) == len(nodes) + len(staff)
        again = await import_file(tmp_path / name, session_factory)
        assert again == ImportReport(nodes_unchanged=len(nodes)), name
    assert await snapshot(session_factory) == before
    async with session_factory() as session:
        exported_nodes, _ = await export_tree(session)
    assert [n.code for n in exported_nodes[:3]] == ["PG", "PG-01", "PG-02"]


async def test_import_file_reports_parse_and_tree_errors_together(
    session_factory: Factory, tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    lines = [*BASE[:3], "node,PG-03,渔阳地区,planet,PG,,,,,", "node,PG-03-001,某村,village,PG-03"]
    path.write_text("\n".join([",".join(COLUMNS), *lines]), encoding="utf-8")
    with pytest.raises(ImportFailed) as failed:
        await import_file(path, session_factory)
    assert [(e.line, e.reason.split(";")[0]) for e in failed.value.errors] == [
        (5, "bad level 'planet'"),
        (6, "parent 'PG-03' is not imported: its row (line 5) has errors"),
    ]
    assert (await snapshot(session_factory))["nodes"] == []
    with pytest.raises(ImportFailed, match=r"line 0: unsupported file type '\.txt'"):
        await import_file(tmp_path / "tree.txt", session_factory)


async def test_codes_are_found_whatever_their_case_unless_two_differ_only_in_case(
    session_factory: Factory,
) -> None:
    await load(session_factory, *BASE, "node,pg-01-001-01,小写网格,micro_grid,PG-01-001,,,,,")
    async with session_factory() as session:
        exact = await node_by_code(session, "PG-01-001-01")
        assert exact is not None and exact.code == "PG-01-001-01"  # the exact code wins
        town = await node_by_code(session, " pg-01 ")
        assert town is not None and town.code == "PG-01"
        assert await node_by_code(session, "Pg-01-001-01") is None  # two would match
