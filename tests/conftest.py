"""Shared fixtures: every storage test runs on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from aiogram import Bot
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlmodel import SQLModel

from channels.telegram.session import bot_session
from core.db import make_engine, make_session_factory, upgrade
from emulator import BotAPIEmulator, EmulatorClient
from models.totals import DEFAULT_ZONE

PG_ADMIN_DSN = os.environ.get("GRIDBOT_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _pg_url(dsn: str) -> str:
    return dsn.replace("postgresql://", "postgresql+asyncpg://", 1)


async def _migrate(url: str) -> None:
    engine = make_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


async def _create_pg_database(name: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
        # A throw-away database need not wait for each commit's WAL flush (the shared server's
        # disk is slow); transactions, locking and visibility are unchanged.
        await conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit TO off')
    finally:
        await conn.close()


async def _drop_pg_database(name: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test so every test starts from an empty schema."""
    path = tmp_path_factory.mktemp("db") / "template.db"
    asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A throw-away PostgreSQL database for this test session, migrated once."""
    # One database per session, so per xdist worker; the worker's name in it is for the reader.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"gridbot_test_{worker}_{uuid.uuid4().hex[:10]}"
    try:
        asyncio.run(_create_pg_database(name))
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        message = f"PostgreSQL at {PG_ADMIN_DSN} is not reachable: {exc}"
        if IN_CI:
            pytest.fail(message + " (CI=true: PostgreSQL tests must run)")
        pytest.skip(message)
    base, _, _ = PG_ADMIN_DSN.rpartition("/")
    url = _pg_url(f"{base}/{name}")
    asyncio.run(_migrate(url))
    yield url
    asyncio.run(_drop_pg_database(name))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "gridbot.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite+aiosqlite:///{path}"
    url: str = request.getfixturevalue("pg_database")
    asyncio.run(_empty_all(url))
    return url


async def _empty_all(url: str) -> None:
    """Every table emptied and every id sequence back at 1 (as TRUNCATE … RESTART IDENTITY
    would), in one round trip: DELETE, children first, is much cheaper than TRUNCATE for the
    few rows a test leaves behind, since TRUNCATE makes new files for every table and index."""
    deletes = "".join(
        f'DELETE FROM "{t.name}";' for t in reversed(SQLModel.metadata.sorted_tables)
    )
    restart = (
        "SELECT setval(format('%I.%I', schemaname, sequencename), 1, false)"
        " FROM pg_sequences WHERE schemaname = current_schema();"
    )
    # An empty database counts its daily totals from the start, as migrated (0010_daily_totals).
    zone = f"INSERT INTO total_zone (id, zone) VALUES (1, '{DEFAULT_ZONE}');"
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        await conn.execute(deletes + restart + zone)  # one implicit transaction
    finally:
        await conn.close()


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    eng = make_engine(database_url)
    yield eng
    await eng.dispose()


@pytest.fixture
def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_session_factory(engine)


@pytest.fixture
async def session(
    session_factory: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    async with session_factory() as s:
        yield s


# --- the Bot API emulator: each test area starts its own `emu` (limits, rate, clock) ---------


@pytest.fixture
async def client(emu: BotAPIEmulator) -> AsyncIterator[EmulatorClient]:
    """The control API of the area's emulator."""
    async with EmulatorClient(emu.base_url) as control:
        yield control


@pytest.fixture
async def bot(emu: BotAPIEmulator) -> AsyncIterator[Bot]:
    """A real aiogram Bot talking to the area's emulator."""
    session = bot_session(emu.base_url)  # the bot's own session class (bot/app.py)
    instance = Bot(emu.token, session=session)
    try:
        yield instance
    finally:
        await session.close()


# --- order: the long subprocess tests first, so that under xdist (`-n`) no worker is left
# running one of them alone at the end of the run ----------------------------------------------

LONG_FIRST = ("tests/test_bench_scripts.py", "tests/test_cli.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def long_first(item: pytest.Item) -> int:
        path = item.nodeid.split("::", 1)[0]
        return 0 if path in LONG_FIRST else 1

    items.sort(key=long_first)  # stable: every other test keeps its place
