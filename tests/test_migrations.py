"""The Alembic migrations build exactly the schema the models describe, on both backends."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

from core.db import SchemaOutOfDate, check_schema, current_revision, head_revision, make_engine
from models.base import on_this_database


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
