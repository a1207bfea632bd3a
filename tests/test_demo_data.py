"""The generated demo district: Pinggu's shape, unique codes, staff everywhere, determinism."""

from __future__ import annotations

import random
import re
from collections import Counter

import pytest

from models.demo_data import generate_district, split
from models.people import RoleKind
from models.tree import Level, level_fits_under
from models.treefile import NodeRow, StaffRow, parse_csv, write_csv

District = tuple[list[NodeRow], list[StaffRow]]


@pytest.fixture(scope="module")
def pinggu() -> District:
    return generate_district(grids=3170)


def test_pinggu_has_one_district_sixteen_towns_about_320_villages_and_3170_grids(
    pinggu: District,
) -> None:
    nodes, _ = pinggu
    levels = Counter(n.level for n in nodes)
    assert levels[Level.district] == 1 and levels[Level.town] == 16
    assert 300 <= levels[Level.community] <= 340
    assert levels[Level.micro_grid] == 3170 and levels[Level.grid] == 0
    per_community = Counter(n.parent for n in nodes if n.level is Level.micro_grid)
    assert min(per_community.values()) >= 5 and max(per_community.values()) <= 15
    assert len(set(per_community.values())) > 3  # varying, not uniform


def test_codes_are_unique_and_nest_like_pg_tt_ccc_gg(pinggu: District) -> None:
    nodes, _ = pinggu
    assert len({n.code for n in nodes}) == len(nodes)
    by_code = {n.code: n for n in nodes}
    patterns = {
        Level.district: r"PG",
        Level.town: r"PG-\d\d",
        Level.community: r"PG-\d\d-\d\d\d",
        Level.micro_grid: r"PG-\d\d-\d\d\d-\d\d",
    }
    for node in nodes:
        assert re.fullmatch(patterns[node.level], node.code), node.code
        parent = by_code[node.parent] if node.parent else None
        assert level_fits_under(node.level, parent.level if parent else None)
        assert parent is None or node.code.startswith(parent.code + "-")


def test_town_names_are_pinggus_and_villages_follow_their_town_kind(pinggu: District) -> None:
    nodes, _ = pinggu
    towns = {n.code: n.name for n in nodes if n.level is Level.town}
    assert towns["PG-01"] == "滨河街道" and "镇罗营镇" in towns.values()
    for node in nodes:
        if node.level is Level.community:
            street = towns[node.parent or ""].endswith("街道")
            assert node.name.endswith("社区" if street else "村"), node.name


def test_every_grid_has_a_worker_and_every_level_its_staff(pinggu: District) -> None:
    nodes, staff = pinggu
    held = Counter((s.node, s.role) for s in staff)
    expected = {
        Level.district: RoleKind.district_official,
        Level.town: RoleKind.town_admin,
        Level.community: RoleKind.community_admin,
        Level.micro_grid: RoleKind.grid_worker,
    }
    assert held == Counter((n.code, expected[n.level]) for n in nodes)
    assert len({s.person for s in staff}) == len(staff)
    assert len({s.telegram_id for s in staff}) == len(staff)
    assert all(re.fullmatch(r"138\d{8}", s.phone or "") for s in staff)


def test_telegram_ids_follow_the_documented_scheme() -> None:
    _, staff = generate_district()
    ids = {(s.node, s.role): s.telegram_id for s in staff}
    assert ids[("PG", RoleKind.district_official)] == 900000001
    assert ids[("PG-02", RoleKind.town_admin)] == 910000002
    assert ids[("PG-01-002", RoleKind.community_admin)] == 920000002
    assert ids[("PG-01-001-01", RoleKind.grid_worker)] == 930000001
    assert ids[("PG-02-002-02", RoleKind.grid_worker)] == 930000008


def test_the_default_is_two_towns_of_two_communities_of_two_grids() -> None:
    nodes, staff = generate_district()
    assert [n.code for n in nodes if n.level is not Level.micro_grid] == [
        "PG", "PG-01", "PG-01-001", "PG-01-002", "PG-02", "PG-02-001", "PG-02-002"
    ]  # fmt: skip
    assert sum(n.level is Level.micro_grid for n in nodes) == 8
    assert len(staff) == 15


def test_the_same_seed_gives_the_same_district_and_another_seed_other_names() -> None:
    assert generate_district(grids=500) == generate_district(grids=500)
    names = [s.name for s in generate_district(grids=500)[1]]
    assert names != [s.name for s in generate_district(grids=500, seed=8)[1]]


def test_rows_carry_the_line_numbers_of_their_csv_file() -> None:
    nodes, staff = generate_district(grids=40)
    assert parse_csv(write_csv(nodes, staff)) == (nodes, staff, [])


@pytest.mark.parametrize("grids", [1, 2, 3, 7, 39, 40, 41, 999])
def test_any_grid_count_gives_exactly_that_many_grids(grids: int) -> None:
    nodes, staff = generate_district(grids=grids)
    assert sum(n.level is Level.micro_grid for n in nodes) == grids
    assert len({n.code for n in nodes}) == len(nodes) == len(staff)


def test_split_shares_add_up_and_stay_positive() -> None:
    rng = random.Random(1)
    for total, parts in [(3170, 317), (317, 16), (8, 4), (5, 5), (100, 3)]:
        shares = split(total, parts, rng)
        assert sum(shares) == total and len(shares) == parts and min(shares) >= 1
