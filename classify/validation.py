"""Validating accessors for the keyword dictionary; every error names the file and the key."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from classify.model import Priority
from classify.normalise import normalise

_PRIORITIES = ", ".join(p.value for p in Priority)


class DictionaryError(ValueError):
    """The dictionary file is unreadable or invalid; the message names the file and the key."""


class Reader:
    """Checks values read from parsed TOML and raises `DictionaryError('file: key: problem')`."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, problem: str) -> DictionaryError:
        return DictionaryError(f"{self.source}: {key}: {problem}")

    def table(self, data: Any, key: str, allowed: Collection[str]) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise self.fail(key, "must be a table")
        unknown = sorted(set(data) - set(allowed))
        if unknown:
            raise self.fail(f"{key}.{unknown[0]}", f"unknown key (expected {sorted(allowed)})")
        return data

    def term(self, value: Any, key: str) -> str:
        """A term, normalised like message text; empty terms would match everywhere."""
        if not isinstance(value, str) or not normalise(value).strip():
            raise self.fail(key, f"empty or non-text term {value!r}")
        return normalise(value).strip()

    def terms(self, value: Any, key: str) -> tuple[str, ...]:
        if not isinstance(value, list) or not value:
            raise self.fail(key, "must be a non-empty list of terms")
        return tuple(self.term(v, f"{key}[{i}]") for i, v in enumerate(value))

    def optional_terms(self, table: dict[str, Any], name: str, key: str) -> tuple[str, ...]:
        return self.terms(table[name], f"{key}.{name}") if name in table else ()

    def weights(self, value: Any, key: str) -> dict[str, float]:
        """A table of term = weight; terms that normalise alike keep the larger weight."""
        if not isinstance(value, dict) or not value:
            raise self.fail(key, "must be a non-empty table of term = weight")
        out: dict[str, float] = {}
        for raw, weight in value.items():
            at = f'{key}."{raw}"'
            term = self.term(raw, at)
            out[term] = max(self.positive(weight, at), out.get(term, 0.0))
        return out

    def priority(self, value: Any, key: str) -> Priority:
        try:
            return Priority(value)
        except ValueError:
            raise self.fail(key, f"{value!r} is not a priority ({_PRIORITIES})") from None

    def positive(self, value: Any, key: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise self.fail(key, f"must be a positive number, not {value!r}")
        return float(value)

    def count(self, value: Any, key: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.fail(key, f"must be a non-negative integer, not {value!r}")
        return value

    def flag(self, value: Any, key: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(key, f"must be true or false, not {value!r}")
        return value

    def choice(self, value: Any, key: str, allowed: Collection[str]) -> str:
        if value not in allowed:
            raise self.fail(key, f"{value!r} is not one of {sorted(allowed)}")
        return str(value)
