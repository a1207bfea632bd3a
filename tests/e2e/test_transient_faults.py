"""#11 item 2: a database that fails mid-update neither loses the report nor lies about it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import asyncpg
import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlalchemy.util import await_only
from sqlmodel import select

from models.inbox import InboxStatus, InboxUpdate
from models.tickets import Ticket
from tests.e2e.conftest import World
from tests.e2e.test_group_binding import say
from tests.e2e.test_tickets import grid_group, staff_with_dm

OFFICIAL = 900000001  # the district official of the demo district


async def _kill_backend(url: str, pid: int) -> None:
    """Terminate one server connection from outside, as a restart or a network cut would."""
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute("SELECT pg_terminate_backend($1)", pid)
    finally:
        await conn.close()


def break_ticket_inserts(world: World, times: int) -> Callable[[], int]:
    """The next `times` INSERTs of a ticket meet a lost connection: on PostgreSQL the bot's own
    server connection is terminated under the statement; SQLite, which has no server, reports
    the database locked. Returns a counter of the failures caused."""
    assert world.runtime is not None
    engine = world.runtime.engine
    url = world.settings.database.url
    caused = [0]

    def before(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.startswith("INSERT INTO ticket ") or caused[0] >= times:
            return
        caused[0] += 1
        if engine.dialect.name == "postgresql":
            pid = conn.connection.dbapi_connection.driver_connection.get_server_pid()
            await_only(_kill_backend(url, pid))
        else:
            raise OperationalError(statement, {}, Exception("database is locked"))

    event.listen(engine.sync_engine, "before_cursor_execute", before)
    return lambda: caused[0]


async def all_tickets(world: World) -> list[Ticket]:
    async with world.db() as session:
        return list((await session.execute(select(Ticket))).scalars())


async def inbox_of(world: World, update_id: int) -> InboxUpdate | None:
    async with world.db() as session:
        rows = await session.execute(select(InboxUpdate).where(InboxUpdate.update_id == update_id))
        return rows.scalar_one_or_none()


async def test_a_connection_lost_twice_mid_report_still_opens_exactly_one_ticket(
    world: World,
) -> None:
    _worker, resident, chat = await grid_group(world)
    failures = break_ticket_inserts(world, times=2)
    answer = await say(world, chat["id"], resident["id"], "我家厨房水管漏水了，麻烦来看看")
    assert failures() == 2
    assert "工单 #1" in answer["text"]
    tickets = await all_tickets(world)
    assert [t.id for t in tickets] == [1]
    replies = [m for m in await world.client.bot_messages(chat["id"]) if "工单 #" in m["text"]]
    assert len(replies) == 1


async def test_a_database_that_stays_down_parks_the_update_says_nothing_and_counts_it(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    _worker, resident, chat = await grid_group(world)
    official = await staff_with_dm(world, OFFICIAL, "区领导")
    failures = break_ticket_inserts(world, times=1000)
    with caplog.at_level(logging.WARNING, logger="gridbot.inbox"):
        sent = await world.client.send_message(chat["id"], resident["id"], "楼道里有人晕倒了")
        row = await _settled(world, sent["update_id"])
    assert row.status is InboxStatus.failed and failures() == 5
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "failed after 5 attempts" in errors[0].getMessage()
    assert errors[0].exc_info is None  # one line, no traceback
    assert await all_tickets(world) == []
    after = await world.client.bot_messages(chat["id"])
    assert not any(m.get("reply_to_message_id") == sent["message"]["message_id"] for m in after)
    stats = await say(world, official["id"], official["id"], "/stats")
    assert "⚠️ 系统：1 条消息或按键多次重试后仍未处理成功" in stats["text"]


async def _settled(world: World, update_id: int) -> InboxUpdate:
    for _ in range(200):
        row = await inbox_of(world, update_id)
        if row is not None and row.status is not InboxStatus.pending:
            return row
        await asyncio.sleep(0.05)
    raise AssertionError("the update was never settled")
