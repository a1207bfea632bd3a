"""The YAML form of a tree file: `nodes:` and `staff:` lists, one flow mapping per item."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml

from models.treefile_rows import NODE_KEYS, NodeRow, RowError, StaffRow, node_row, staff_row

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_PERSON_KEYS = {"person", "name", "phone", "telegram_id", "telegram_username"}
_STAFF_KEYS = _PERSON_KEYS | {"roles", "role", "node"}
Parsed = tuple[list[NodeRow], list[StaffRow], list[RowError]]


def parse_yaml(content: str) -> Parsed:
    nodes: list[NodeRow] = []
    staff: list[StaffRow] = []
    errors: list[RowError] = []
    loader = _Loader(content.removeprefix("\ufeff"))
    try:
        root = loader.get_single_node()
        if not isinstance(root, yaml.MappingNode):
            line = root.start_mark.line + 1 if root is not None else 1
            return nodes, staff, [RowError(line, "expected a mapping with nodes: and staff:")]
        for key_node, value_node in root.value:
            line = key_node.start_mark.line + 1
            if key_node.value not in {"nodes", "staff"}:
                errors.append(RowError(line, f"unknown key '{key_node.value}'; use nodes, staff"))
            elif not isinstance(value_node, yaml.SequenceNode):
                errors.append(RowError(line, f"'{key_node.value}' must be a list"))
            elif key_node.value == "nodes":
                _read_nodes(loader, value_node, nodes, errors)
            else:
                _read_staff(loader, value_node, staff, errors)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        return [], [], [RowError(line, f"YAML syntax error: {exc.problem or exc}")]
    finally:
        loader.dispose()
    return nodes, staff, sorted(errors, key=lambda e: e.line)


def _items(loader: Any, seq: yaml.SequenceNode) -> list[tuple[int, yaml.Node, Any]]:
    return [(n.start_mark.line + 1, n, loader.construct_document(n)) for n in seq.value]


def _read_nodes(
    loader: Any, seq: yaml.SequenceNode, rows: list[NodeRow], errors: list[RowError]
) -> None:
    for line, _node, item in _items(loader, seq):
        if not isinstance(item, dict):
            errors.append(RowError(line, "each node must be a mapping {code, name, level}"))
            continue
        unknown = sorted(str(k) for k in item if k not in NODE_KEYS)
        row = node_row(line, item)
        if unknown and isinstance(row, NodeRow):
            row = RowError(line, f"unknown key(s) {', '.join(unknown)}", row.code)
        if isinstance(row, NodeRow):
            rows.append(row)
        else:
            errors.append(row)


def _read_staff(
    loader: Any, seq: yaml.SequenceNode, rows: list[StaffRow], errors: list[RowError]
) -> None:
    for line, node, item in _items(loader, seq):
        if not isinstance(item, dict):
            errors.append(RowError(line, "each staff entry must be a mapping {person, name, …}"))
            continue
        unknown = sorted(str(k) for k in item if k not in _STAFF_KEYS)
        if unknown:
            errors.append(RowError(line, f"unknown key(s) {', '.join(unknown)}"))
            continue
        for role_line, role in _roles(line, node, item, errors):
            fields = {k: v for k, v in item.items() if k in _PERSON_KEYS}
            row = staff_row(role_line, {**fields, **role})
            if isinstance(row, StaffRow):
                rows.append(row)
            else:
                errors.append(row)


def _roles(
    line: int, node: yaml.Node, item: dict[Any, Any], errors: list[RowError]
) -> list[tuple[int, dict[str, Any]]]:
    """(line, {role, node}) per role; `roles: [...]` or a single `role:` + `node:`."""
    if "roles" not in item:
        return [(line, {"role": item.get("role"), "node": item.get("node")})]
    roles = item["roles"]
    if not isinstance(roles, list) or not roles or "role" in item or "node" in item:
        errors.append(RowError(line, "roles must be a non-empty list of {role, node}"))
        return []
    lines = _role_lines(node) or [line] * len(roles)
    found: list[tuple[int, dict[str, Any]]] = []
    for role_line, role in zip(lines, roles, strict=False):
        if not isinstance(role, dict) or set(role) - {"role", "node"}:
            errors.append(RowError(role_line, "each role must be a mapping {role, node}"))
        else:
            found.append((role_line, role))
    return found


def _role_lines(node: yaml.Node) -> list[int]:
    for key_node, value_node in node.value:
        if key_node.value == "roles" and isinstance(value_node, yaml.SequenceNode):
            return [n.start_mark.line + 1 for n in value_node.value]
    return []


def write_yaml(nodes: Sequence[NodeRow], staff: Sequence[StaffRow]) -> str:
    lines = ["nodes:" if nodes else "nodes: []"]
    for n in nodes:
        item = {"code": n.code, "name": n.name, "level": n.level.value}
        lines.append(f"  - {_flow(item if n.parent is None else {**item, 'parent': n.parent})}")
    lines.append("staff:" if staff else "staff: []")
    people: dict[str, dict[str, Any]] = {}
    for s in staff:
        if s.person not in people:
            person: dict[str, Any] = {"person": s.person, "name": s.name, "phone": s.phone}
            person |= {"telegram_id": s.telegram_id, "telegram_username": s.telegram_username}
            people[s.person] = {k: v for k, v in person.items() if v is not None} | {"roles": []}
        people[s.person]["roles"].append({"role": s.role.value, "node": s.node})
    lines += [f"  - {_flow(person)}" for person in people.values()]
    return "\n".join(lines) + "\n"


def _flow(item: dict[str, Any]) -> str:
    dumped: str = yaml.dump(
        item,
        Dumper=_Dumper,
        default_flow_style=True,
        allow_unicode=True,
        sort_keys=False,
        width=2**31 - 1,
    )
    return dumped.strip()
