"""The Alembic migrations build exactly the schema the models describe, on both backends."""

from __future__ import annotations

from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

from core.db import (
    SchemaOutOfDate,
    alembic_config,
    check_schema,
    current_revision,
    head_revision,
    make_engine,
    upgrade,
)
from models.base import on_this_database
from tickets.text_search import text_search

# Alembic warns before our include_object leaves the PostgreSQL-only expression index out.
pytestmark = pytest.mark.filterwarnings(
    "ignore:autogenerate skipping metadata-specified expression-based index:UserWarning"
)


def _diff(connection: Connection) -> list[Any]:
    opts = {"compare_type": True, "include_object": on_this_database(connection.dialect.name)}
    context = MigrationContext.configure(connection, opts=opts)
    return list(compare_metadata(context, SQLModel.metadata))


async def test_migrated_schema_matches_the_models(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        assert await conn.run_sync(_diff) == []


async def test_migrated_database_passes_the_startup_check(engine: AsyncEngine) -> None:
    assert await current_revision(engine) == head_revision()
    await check_schema(engine)


async def test_an_empty_database_is_refused_with_the_command_to_run(tmp_path: Any) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    try:
        await check_schema(engine)
    except SchemaOutOfDate as exc:
        assert "run `gridbot db upgrade`" in str(exc)
    else:
        raise AssertionError("an empty database was accepted")
    finally:
        await engine.dispose()


def _downgrade_sync(connection: Connection, url: str, revision: str) -> None:
    cfg = alembic_config(url)
    cfg.attributes["connection"] = connection
    command.downgrade(cfg, revision)


async def _grams_function_exists(engine: AsyncEngine) -> bool:
    if engine.dialect.name != "postgresql":
        return False
    async with engine.connect() as conn:
        found = await conn.scalar(text("SELECT to_regproc('ticket_text_grams') IS NOT NULL"))
    return bool(found)


async def test_the_console_speed_migrations_go_down_and_up_again(engine: AsyncEngine) -> None:
    url = engine.url.render_as_string(False)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_downgrade_sync, url, "0013_console_logins")
        assert await current_revision(engine) == "0013_console_logins"
        assert not await _grams_function_exists(engine)
    finally:
        await upgrade(engine)
    assert await current_revision(engine) == head_revision()
    assert await _grams_function_exists(engine) == (engine.dialect.name == "postgresql")
    async with engine.connect() as conn:
        assert await conn.run_sync(_diff) == []


def test_only_postgresql_narrows_a_short_search_by_the_gram_index() -> None:
    def sql(query: str, dialect: Any) -> str:
        compiled = text_search(query).compile(
            dialect=dialect, compile_kwargs={"literal_binds": True}
        )
        return str(compiled)

    grams = "ticket_text_grams(ticket.text) @> ARRAY[lower('漏水')]"
    assert grams in sql("漏水", postgresql.dialect())
    assert "ticket_text_grams" not in sql("楼道灯", postgresql.dialect())  # trigrams serve it
    assert "ticket_text_grams" not in sql("漏水", sqlite.dialect())
    assert "LIKE" in sql("漏水", sqlite.dialect())
