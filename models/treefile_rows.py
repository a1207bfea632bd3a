"""Rows of a tree file and the field checks shared by the CSV and YAML readers."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from models.people import RoleKind, parse_role
from models.tree import Level, parse_level

# Column widths of the tables the rows end up in (PostgreSQL enforces them).
MAX_LENGTHS = {
    "code": 64,
    "node": 64,
    "parent": 64,
    "person": 64,
    "phone": 32,
    "telegram_username": 64,
}
MAX_NODE_NAME = 200
MAX_PERSON_NAME = 100
_USERNAME = re.compile(r"[A-Za-z0-9_]+")
_MAX_TELEGRAM_ID = 2**63 - 1


@dataclass(frozen=True)
class NodeRow:
    line: int
    code: str
    name: str
    level: Level
    parent: str | None = None


@dataclass(frozen=True)
class StaffRow:
    line: int
    person: str
    name: str
    role: RoleKind
    node: str
    phone: str | None = None
    telegram_id: int | None = None
    telegram_username: str | None = None


@dataclass(frozen=True)
class RowError:
    """A bad row. `code` names the node of a node row that failed to parse (not compared), so
    rows referring to it can say that its row is broken instead of calling it unknown."""

    line: int
    reason: str
    code: str = field(default="", compare=False)


Fields = Mapping[str, object]


def text(value: object) -> str:
    """A cell or YAML scalar as stripped text; missing values become ''."""
    return "" if value is None else str(value).strip()


def node_row(line: int, fields: Fields) -> NodeRow | RowError:
    code, name, level_text, parent = (text(fields.get(k)) for k in NODE_KEYS)
    missing = [k for k, v in (("code", code), ("name", name), ("level", level_text)) if not v]
    if missing:
        return RowError(line, f"node row is missing {', '.join(missing)}", code)
    problem = _length_problem({"code": code, "parent": parent}) or _code_problem(code, parent)
    if problem is None and len(name) > MAX_NODE_NAME:
        problem = f"name is longer than {MAX_NODE_NAME} characters"
    if problem is not None:
        return RowError(line, problem, code)
    level = parse_level(level_text)
    if level is None:
        levels = ", ".join(lvl.value for lvl in Level)
        return RowError(line, f"bad level '{level_text}'; use one of {levels}", code)
    return NodeRow(line, code, name, level, parent or None)


def staff_row(line: int, fields: Fields) -> StaffRow | RowError:
    values = {k: text(fields.get(k)) for k in STAFF_KEYS}
    values["telegram_username"] = values["telegram_username"].removeprefix("@")
    problem = _staff_problem(values)
    if problem is not None:
        return RowError(line, problem)
    role = parse_role(values["role"])
    if role is None:
        roles = ", ".join(kind.value for kind in RoleKind)
        return RowError(line, f"bad role '{values['role']}'; use one of {roles}")
    telegram_id = _telegram_id(values["telegram_id"])
    if telegram_id == -1:
        return RowError(line, f"telegram_id '{values['telegram_id']}' is not a positive integer")
    return StaffRow(
        line,
        person=values["person"],
        name=values["name"],
        role=role,
        node=values["node"],
        phone=values["phone"] or None,
        telegram_id=telegram_id or None,
        telegram_username=values["telegram_username"] or None,
    )


def _staff_problem(values: Mapping[str, str]) -> str | None:
    labels = {"person": "person key", "name": "name", "role": "role", "node": "node code"}
    missing = [label for key, label in labels.items() if not values[key]]
    if missing:
        return f"staff row is missing {', '.join(missing)}"
    problem = _length_problem({k: values[k] for k in MAX_LENGTHS if k in values})
    if problem is None and len(values["name"]) > MAX_PERSON_NAME:
        problem = f"name is longer than {MAX_PERSON_NAME} characters"
    username = values["telegram_username"]
    if problem is None and username and not _USERNAME.fullmatch(username):
        problem = f"bad telegram_username '{username}' (letters, digits and _ only)"
    return problem


NODE_KEYS = ("code", "name", "level", "parent")
STAFF_KEYS = ("person", "name", "role", "node", "phone", "telegram_id", "telegram_username")


def _telegram_id(value: str) -> int:
    """0 when empty, -1 when not a usable Telegram user id."""
    if not value:
        return 0
    if not value.isascii() or not value.isdigit():
        return -1
    number = int(value)
    return number if 0 < number <= _MAX_TELEGRAM_ID else -1


def _length_problem(values: Mapping[str, str]) -> str | None:
    for key, value in values.items():
        if len(value) > MAX_LENGTHS[key]:
            return f"{key} is longer than {MAX_LENGTHS[key]} characters"
    return None


def _code_problem(code: str, parent: str) -> str | None:
    for label, value in (("code", code), ("parent", parent)):
        if any(ch.isspace() for ch in value):
            return f"{label} '{value}' must not contain spaces"
    return None
