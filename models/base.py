"""Shared column types and time helpers for every table."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


class AwareDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetime on every backend; SQLite gives naive values back, read as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware datetimes only")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class StrEnumColumn(TypeDecorator[Any]):
    """A StrEnum stored as plain text, handed back as the enum member (not a bare str)."""

    impl = String
    cache_ok = True

    def __init__(self, enum_type: type[enum.StrEnum], length: int = 32) -> None:
        super().__init__(length)
        self._enum = enum_type

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else self._enum(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else self._enum(value)


def on_this_database(dialect: str) -> Any:
    """An Alembic `include_object` that leaves out what exists only on another kind of
    database (`Index(...).ddl_if(dialect="postgresql")`: Alembic itself ignores ddl_if)."""

    def include(obj: Any, _name: Any, _type: Any, _reflected: Any, _compare_to: Any) -> bool:
        condition = getattr(obj, "_ddl_if", None)
        return condition is None or condition.dialect in (None, dialect)

    return include
