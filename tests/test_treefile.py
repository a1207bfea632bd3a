"""Tree files: parsing and writing CSV and YAML, and every row error with its line number."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TypeVar

import pytest

from models.people import RoleKind
from models.tree import Level
from models.treefile import (
    COLUMNS,
    NodeRow,
    RowError,
    StaffRow,
    TreeFileError,
    parse_csv,
    parse_yaml,
    read_tree_file,
    write_csv,
    write_yaml,
)

HEADER = ",".join(COLUMNS)
NODES = [
    NodeRow(2, "PG", "平谷区", Level.district),
    NodeRow(3, "PG-01", "滨河街道", Level.town, "PG"),
    NodeRow(4, "PG-01-001-01", "第1网格", Level.micro_grid, "PG-01"),
]
STAFF = [
    StaffRow(5, "W0001", "张伟", RoleKind.grid_worker, "PG-01-001-01", "13800000001", 930000001,
             "zhangwei"),
    StaffRow(6, "W0001", "张伟", RoleKind.town_admin, "PG-01", "13800000001", 930000001,
             "zhangwei"),
    StaffRow(7, "D0001", "李娜", RoleKind.district_official, "PG"),
]  # fmt: skip


def csv_text(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


Row = TypeVar("Row", NodeRow, StaffRow)


def without_lines(rows: list[Row]) -> list[Row]:
    return [replace(row, line=0) for row in rows]


def test_csv_written_from_rows_parses_back_to_the_same_rows_and_lines() -> None:
    assert parse_csv(write_csv(NODES, STAFF)) == (NODES, STAFF, [])


def test_a_csv_export_never_starts_a_formula_and_imports_back_unchanged() -> None:
    nodes = [*NODES, NodeRow(5, "PG-02", '=HYPERLINK("http://x")', Level.town, "PG")]
    staff = [*STAFF, StaffRow(8, "W0009", "@王", RoleKind.grid_worker, "PG-02", "+8613800000009")]
    text = write_csv(nodes, staff)
    cells = [cell for line in text.splitlines() for cell in line.split(",")]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")]
    assert "'=HYPERLINK" in text and "'+8613800000009" in text and "'@王" in text
    parsed_nodes, parsed_staff, errors = parse_csv(text)
    assert errors == []
    assert without_lines(parsed_nodes) == without_lines(nodes)
    assert without_lines(parsed_staff) == without_lines(staff)


def test_yaml_written_from_rows_parses_back_to_the_same_rows() -> None:
    nodes, staff, errors = parse_yaml(write_yaml(NODES, STAFF))
    assert errors == []
    assert without_lines(nodes) == without_lines(NODES)
    assert without_lines(staff) == without_lines(STAFF)


def test_csv_with_a_bom_chinese_aliases_and_an_at_sign_is_accepted() -> None:
    text = "\ufeff" + csv_text(
        "node, PG ,平谷区,区,,,,,,",
        "node,PG-01,滨河街道,街道,PG,,,,,",
        "staff,PG-01,张伟,,,W0001,网格员,,930000001,@zhangwei",
    )
    nodes, staff, errors = parse_csv(text)
    assert errors == []
    assert nodes == NODES[:2]
    assert staff == [StaffRow(4, "W0001", "张伟", RoleKind.grid_worker, "PG-01", None, 930000001,
                              "zhangwei")]  # fmt: skip


def test_yaml_rows_carry_the_line_of_their_list_item() -> None:
    text = (
        "nodes:\n"
        "  - {code: PG, name: 平谷区, level: district}\n"
        "  - code: PG-01\n"
        "    name: 滨河街道\n"
        "    level: 镇/街道\n"
        "    parent: PG\n"
        "staff:\n"
        "  - person: W0001\n"
        "    name: 张伟\n"
        "    phone: 13800000001\n"
        "    roles:\n"
        "      - {role: grid_worker, node: PG-01}\n"
        "      - {role: town_admin, node: PG-01}\n"
    )
    nodes, staff, errors = parse_yaml(text)
    assert errors == []
    assert [n.line for n in nodes] == [2, 3]
    assert [(s.line, s.role, s.phone) for s in staff] == [
        (12, RoleKind.grid_worker, "13800000001"),
        (13, RoleKind.town_admin, "13800000001"),
    ]


def test_blank_lines_and_multiline_cells_keep_line_numbers_true() -> None:
    text = csv_text("", 'node,PG,"平谷\n区",district,,,,,,', "", "node,PG-01,滨河街道,planet,PG")
    nodes, _, errors = parse_csv(text)
    assert nodes[0].line == 3
    assert errors == [RowError(6, "bad level 'planet'; use one of district, town, community, "
                                  "grid, micro_grid")]  # fmt: skip


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("person,PG,平谷区,district,,,,,,", "unknown row type 'person'; use node or staff"),
        (",PG,平谷区,district,,,,,,", "missing type; use node or staff"),
        ("node,PG,,district,,,,,,", "node row is missing name"),
        ("node,PG,平谷区,,,,,,,", "node row is missing level"),
        ("node,PG 01,平谷区,district,,,,,,", "code 'PG 01' must not contain spaces"),
        ("staff,PG,张伟,,,,grid_worker,,,", "staff row is missing person key"),
        ("staff,,张伟,,,W1,,,,", "staff row is missing role, node code"),
        ("staff,PG,张伟,,,W1,mayor,,,", "bad role 'mayor'; use one of resident, grid_worker, "
                                        "community_admin, town_admin, district_official"),
        ("staff,PG,张伟,,,W1,grid_worker,,93e6,", "telegram_id '93e6' is not a positive integer"),
        ("staff,PG,张伟,,,W1,grid_worker,,-5,", "telegram_id '-5' is not a positive integer"),
        ("staff,PG,张伟,,,W1,grid_worker,,,zhang wei", "bad telegram_username 'zhang wei' "
                                                       "(letters, digits and _ only)"),
        ("node,PG,平谷区,district,,,,,,,extra", "11 fields, but the header has 10 columns"),
        ("node,PG," + "名" * 201 + ",district,,,,,,", "name is longer than 200 characters"),
    ],
)  # fmt: skip
def test_each_unparseable_csv_row_is_reported_with_its_line(row: str, reason: str) -> None:
    nodes, staff, errors = parse_csv(csv_text("node,PG-00,占位,district,,,,,,", row))
    assert (len(nodes), staff, errors) == (1, [], [RowError(3, reason)])


def test_a_csv_without_the_header_row_is_refused_at_line_1() -> None:
    nodes, _, errors = parse_csv("node,PG,平谷区,district,,,,,,\n")
    assert nodes == [] and [e.line for e in errors] == [1]
    assert "missing header row" in errors[0].reason


def test_a_header_with_an_unknown_column_is_refused() -> None:
    _, _, errors = parse_csv("type,code,name,levle\nnode,PG,平谷区,district\n")
    assert [e.reason.split(";")[0] for e in errors] == ["unknown column 'levle' in the header"]


def test_yaml_errors_point_at_the_offending_item() -> None:
    text = (
        "nodes:\n"
        "  - {code: PG, name: 平谷区, level: district}\n"
        "  - {code: PG-01, name: 滨河街道, level: planet, parent: PG}\n"
        "  - {code: PG-02, name: 兴谷街道, levle: town, parent: PG}\n"
        "staff:\n"
        "  - {person: W1, name: 张伟, telegram_id: abc, roles: [{role: grid_worker, node: PG}]}\n"
        "  - {person: W2, name: 李娜, roles: []}\n"
        "extra: 1\n"
    )
    _, _, errors = parse_yaml(text)
    assert [(e.line, e.reason.split(";")[0]) for e in errors] == [
        (3, "bad level 'planet'"),
        (4, "node row is missing level"),
        (6, "telegram_id 'abc' is not a positive integer"),
        (7, "roles must be a non-empty list of {role, node}"),
        (8, "unknown key 'extra'"),
    ]


def test_a_yaml_syntax_error_is_reported_at_its_line() -> None:
    _, _, errors = parse_yaml("nodes:\n  - {code: PG, name: 平谷区\n  - {code: X}\n")
    assert len(errors) == 1 and errors[0].reason.startswith("YAML syntax error")
    assert errors[0].line == 3


def test_the_file_format_is_chosen_by_extension(tmp_path: Path) -> None:
    (tmp_path / "tree.CSV").write_text(write_csv(NODES, STAFF), encoding="utf-8-sig")
    (tmp_path / "tree.yml").write_text(write_yaml(NODES, STAFF), encoding="utf-8")
    assert read_tree_file(tmp_path / "tree.CSV") == (NODES, STAFF, [])
    nodes, staff, errors = read_tree_file(tmp_path / "tree.yml")
    assert (without_lines(nodes), without_lines(staff), errors) == (
        without_lines(NODES),
        without_lines(STAFF),
        [],
    )


def test_an_unknown_extension_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "tree.xlsx").write_bytes(b"PK")
    with pytest.raises(TreeFileError, match=r"unsupported file type '\.xlsx'; use \.csv"):
        read_tree_file(tmp_path / "tree.xlsx")
