"""Which database failures are worth trying again: a lost connection, a deadlock, a timeout.

A transient failure says nothing about the update being handled; the same work, started again
in a new transaction, may well succeed. Anything else (a bug, a constraint the data breaks)
fails the same way every time and is not retried.
"""

from __future__ import annotations

# SQLSTATE classes and codes: 08 connection exception, 40001 serialization failure,
# 40P01 deadlock, 53300 too many connections, 55P03 lock not available, 57P01-57P03 the server
# shutting down or terminating the backend, 57014 statement timeout / cancelled.
_TRANSIENT_STATES = frozenset({"40001", "40P01", "53300", "55P03", "57P01", "57P02", "57P03"})
_TRANSIENT_CLASSES = ("08",)
_SQLITE_BUSY = ("database is locked", "database table is locked", "database is busy")


def is_transient(exc: BaseException) -> bool:
    """Whether `exc` (or what caused it) is a failure that another attempt may not meet."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if _transient_here(current):
            return True
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return False


def _transient_here(exc: BaseException) -> bool:
    if getattr(exc, "connection_invalidated", False):
        return True
    if isinstance(exc, TimeoutError | ConnectionError):
        return True
    state = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
    if isinstance(state, str) and (
        state in _TRANSIENT_STATES or state.startswith(_TRANSIENT_CLASSES)
    ):
        return True
    name = type(exc).__name__
    if name in {"ConnectionDoesNotExistError", "InterfaceError", "InternalClientError"}:
        return "connection" in str(exc).lower() or name == "ConnectionDoesNotExistError"
    return name == "OperationalError" and any(b in str(exc).lower() for b in _SQLITE_BUSY)
