"""Tree files: the district tree and its staff as CSV or YAML. Pure parsing and writing."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from core.csv_cells import restore, safe_row
from models.treefile_rows import NodeRow, RowError, StaffRow, node_row, staff_row
from models.treefile_yaml import parse_yaml, write_yaml

__all__ = [
    "COLUMNS",
    "NodeRow",
    "RowError",
    "StaffRow",
    "TreeFileError",
    "parse_csv",
    "parse_yaml",
    "read_tree_file",
    "write_csv",
    "write_tree",
    "write_yaml",
]

COLUMNS = (
    "type",
    "code",
    "name",
    "level",
    "parent",
    "person",
    "role",
    "phone",
    "telegram_id",
    "telegram_username",
)
_REQUIRED_COLUMNS = ("type", "code", "name")
Parsed = tuple[list[NodeRow], list[StaffRow], list[RowError]]


class TreeFileError(ValueError):
    """The file as a whole cannot be read (wrong extension, missing, not UTF-8). The message
    does not repeat the path: callers print it as `path:0: message`."""


def read_tree_file(path: Path) -> Parsed:
    """Parse a .csv, .yaml or .yml file; rows that cannot be parsed come back as errors."""
    kind = file_kind(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TreeFileError(f"cannot read the file: {exc.strerror or exc}") from exc
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TreeFileError(f"the file is not UTF-8 text (bad byte at {exc.start})") from exc
    return parse_csv(content) if kind == "csv" else parse_yaml(content)


def file_kind(path: Path) -> str:
    """'csv' or 'yaml' by extension; anything else is a TreeFileError."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in {".yaml", ".yml"}:
        return "yaml"
    raise TreeFileError(f"unsupported file type '{suffix or path.name}'; use .csv, .yaml or .yml")


def write_tree(kind: str, nodes: Sequence[NodeRow], staff: Sequence[StaffRow]) -> str:
    return write_yaml(nodes, staff) if kind == "yaml" else write_csv(nodes, staff)


def parse_csv(content: str) -> Parsed:
    nodes: list[NodeRow] = []
    staff: list[StaffRow] = []
    errors: list[RowError] = []
    reader = csv.reader(io.StringIO(content.removeprefix("\ufeff")))
    header_row = next(reader, None)
    header, header_errors = _header(header_row)
    if header_errors:
        return nodes, staff, header_errors
    last_line = reader.line_num
    for cells in reader:
        line, last_line = last_line + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        row = _csv_row(line, header, [restore(cell) for cell in cells])
        if isinstance(row, NodeRow):
            nodes.append(row)
        elif isinstance(row, StaffRow):
            staff.append(row)
        else:
            errors.append(row)
    return nodes, staff, errors


def _header(cells: list[str] | None) -> tuple[list[str], list[RowError]]:
    names = [cell.strip().lower() for cell in cells or []]
    expected = ",".join(COLUMNS)
    if not names or names[0] != "type":
        return names, [RowError(1, f"missing header row; the first line must be: {expected}")]
    errors = [
        RowError(1, f"unknown column '{name}' in the header; expected: {expected}")
        for name in names
        if name not in COLUMNS
    ]
    errors += [
        RowError(1, f"column '{name}' appears twice in the header")
        for i, name in enumerate(names)
        if name in names[:i]
    ]
    errors += [
        RowError(1, f"the header lacks the required column '{name}'")
        for name in _REQUIRED_COLUMNS
        if name not in names
    ]
    return names, errors


def _csv_row(line: int, header: list[str], cells: list[str]) -> NodeRow | StaffRow | RowError:
    if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
        return RowError(line, f"{len(cells)} fields, but the header has {len(header)} columns")
    fields: dict[str, object] = dict(zip(header, cells, strict=False))
    kind = str(fields.get("type", "")).strip().lower()
    if kind == "node":
        return node_row(line, fields)
    if kind == "staff":
        fields["node"] = fields.pop("code", "")
        return staff_row(line, fields)
    if not kind:
        return RowError(line, "missing type; use node or staff")
    return RowError(line, f"unknown row type '{kind}'; use node or staff")


def write_csv(nodes: Sequence[NodeRow], staff: Sequence[StaffRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for n in nodes:
        cells = ["node", n.code, n.name, n.level.value, n.parent or "", *[""] * 5]
        writer.writerow(safe_row(cells))
    for s in staff:
        tg = "" if s.telegram_id is None else str(s.telegram_id)
        person = [s.person, s.role.value, s.phone or "", tg, s.telegram_username or ""]
        writer.writerow(safe_row(["staff", s.node, s.name, "", "", *person]))
    return out.getvalue()
