"""Which failures the inbox tries again (#11 item 2): the connection, the lock, the clock."""

from __future__ import annotations

import asyncpg
from sqlalchemy.exc import IntegrityError, OperationalError

from core.transient import is_transient


class _PgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"server said {sqlstate}")
        self.sqlstate = sqlstate


def wrapped(orig: BaseException) -> OperationalError:
    return OperationalError("UPDATE ticket SET ...", {}, orig)


def test_lost_connections_deadlocks_and_timeouts_are_transient() -> None:
    assert is_transient(wrapped(asyncpg.exceptions.ConnectionDoesNotExistError("closed")))
    assert is_transient(wrapped(_PgError("40P01")))  # deadlock detected
    assert is_transient(wrapped(_PgError("40001")))  # serialization failure
    assert is_transient(wrapped(_PgError("57P01")))  # terminated by the administrator
    assert is_transient(wrapped(_PgError("08006")))  # connection failure
    assert is_transient(TimeoutError())
    assert is_transient(wrapped(Exception("database is locked")))  # SQLite, busy too long


def test_a_bug_or_broken_constraint_is_not_retried() -> None:
    assert not is_transient(IntegrityError("INSERT ...", {}, _PgError("23505")))
    assert not is_transient(ValueError("bad value"))
    assert not is_transient(OperationalError("SELECT", {}, Exception("no such table: ticket")))


def test_a_failure_raised_while_handling_a_lost_connection_is_still_transient() -> None:
    try:
        try:
            raise wrapped(_PgError("57P01"))
        except OperationalError as lost:
            raise RuntimeError("audit entry not written") from lost
    except RuntimeError as exc:
        assert is_transient(exc)
