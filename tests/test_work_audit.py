"""The audit log: who counts as staff, what an update is recorded as, querying it back and
`gridbot audit` (SQLite and PostgreSQL for the storage parts)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.types import Update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from audit.log import AuditNote, entries_since, record, run_once
from bot.middlewares import AuditMiddleware, _action
from cli.main import main
from core.clock import FakeClock
from core.db import make_engine, make_session_factory, session_scope
from models.access import staff_person
from models.people import Person
from tests.test_ticket_workflow import NOW, RESIDENT, W1, W2, World, build_world


def _update(**fields: Any) -> Update:
    return Update.model_validate({"update_id": 1, **fields})


USER = {"id": W1, "is_bot": False, "first_name": "黄秀英"}
PRIVATE = {"id": W1, "type": "private"}


def test_a_command_is_recorded_with_its_arguments_without_the_bot_name() -> None:
    message = {
        "message_id": 5,
        "date": 0,
        "chat": PRIVATE,
        "from": USER,
        "text": "/Claim@gridbot 12",
    }
    action = _action(_update(message=message))
    assert action is not None
    assert (action.user_id, action.chat_id, action.command, action.args) == (
        W1,
        W1,
        "/claim",
        "12",
    )


def test_a_button_press_is_recorded_by_its_prefix() -> None:
    bot_message = {"message_id": 9, "date": 0, "chat": PRIVATE, "text": "x"}
    query = {"id": "q1", "from": USER, "chat_instance": "c", "data": "tk:claim:5"}
    action = _action(_update(callback_query={**query, "message": bot_message}))
    assert action is not None
    assert (action.command, action.args, action.chat_id) == ("button:tk", "claim:5", W1)


def test_plain_talk_is_not_a_command() -> None:
    message = {"message_id": 5, "date": 0, "chat": PRIVATE, "from": USER, "text": "谢谢"}
    assert _action(_update(message=message)) is None


def test_a_refusal_note_carries_its_reason() -> None:
    note = AuditNote()
    assert note.outcome == "ok"
    note.refused("scope")
    assert note.outcome == "refused:scope"


@pytest.fixture
async def world(session_factory: async_sessionmaker[AsyncSession]) -> World:
    return await build_world(session_factory)


async def test_staff_are_those_holding_a_staff_role(world: World) -> None:
    async with world.session() as s:
        s.add(Person(name="王大妈", telegram_user_id=RESIDENT))
    async with world.session() as s:
        assert (await staff_person(s, W1)) is not None
        assert await staff_person(s, RESIDENT) is None
        assert await staff_person(s, 1) is None


async def _write(world: World, user: int, command: str, at: datetime, outcome: str = "ok") -> None:
    await _write_to(world.db, user, command, at, outcome)


async def _write_to(
    factory: async_sessionmaker[AsyncSession], user: int, command: str, at: datetime, outcome: str
) -> None:
    async with session_scope(factory) as s:
        person = await staff_person(s, user)
        assert person is not None
        record(
            s, person, user_id=user, chat_id=user, command=command, args="", outcome=outcome, at=at
        )


async def test_entries_come_back_since_a_moment_and_by_person(world: World) -> None:
    await _write(world, W1, "/log", NOW - timedelta(days=1))
    await _write(world, W1, "/claim", NOW, "refused:forbidden")
    await _write(world, W2, "/headcount", NOW + timedelta(minutes=1))
    async with world.session() as s:
        everyone = await entries_since(s, NOW)
        only_w1 = await entries_since(s, NOW - timedelta(days=2), "W0001")
    assert [(e.command, p.key if p else None) for e, p in everyone] == [
        ("/claim", "W0001"),
        ("/headcount", "W0002"),
    ]
    assert everyone[0][0].outcome == "refused:forbidden"
    assert [e.command for e, _p in only_w1] == ["/log", "/claim"]


async def test_a_job_runs_once(world: World) -> None:
    async with world.session() as s:
        assert await run_once(s, "test", "k1", NOW) is True
    async with world.session() as s:
        assert await run_once(s, "test", "k1", NOW) is False
        assert await run_once(s, "test", "k2", NOW) is True


def test_gridbot_audit_prints_the_days_entries(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async def seed() -> None:
        engine = make_engine(database_url)
        factory = make_session_factory(engine)
        await build_world(factory)
        day_before = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # 23:00 in Beijing
        await _write_to(factory, W1, "/log", day_before, "ok")
        await _write_to(factory, W1, "/checklist", day_before + timedelta(minutes=90), "ok")
        await _write_to(factory, W2, "/headcount", day_before + timedelta(hours=10), "ok")
        await engine.dispose()

    asyncio.run(seed())
    monkeypatch.setenv("GRIDBOT_DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)  # no config.toml here: defaults plus the environment
    assert main(["audit", "--since", "2026-11-24"]) == 0
    out, err = capsys.readouterr()
    lines = [line.split("\t") for line in out.splitlines()]
    assert [(line[0], line[1], line[4]) for line in lines] == [
        ("2026-11-24 00:30:00", "W0001", "/checklist"),
        ("2026-11-24 09:00:00", "W0002", "/headcount"),
    ]
    assert err.startswith("2 entries since 2026-11-24 00:00 (Asia/Shanghai)")
    assert main(["audit", "--since", "2026-11-24", "--person", "W0002"]) == 0
    assert capsys.readouterr().out.count("\n") == 1
    assert main(["audit", "--since", "yesterday"]) == 2


async def test_a_failing_command_is_audited_apart_from_the_rolled_back_update(
    world: World,
) -> None:
    middleware = AuditMiddleware(world.db, FakeClock(NOW))
    message = {"message_id": 5, "date": 0, "chat": PRIVATE, "from": USER, "text": "/log 走访"}

    async def failing(_event: Any, data: dict[str, Any]) -> Any:
        record(
            data["session"],
            await _w1(data["session"]),
            user_id=W1,
            chat_id=W1,
            command="/lost",
            args="",
            outcome="ok",
            at=NOW,
        )
        raise RuntimeError("handler bug")

    with pytest.raises(RuntimeError):
        async with session_scope(world.db) as session:
            await middleware(failing, _update(message=message), {"session": session})
    async with world.session() as s:
        entries = await entries_since(s, NOW - timedelta(days=1))
    assert [(e.command, e.args, e.outcome) for e, _p in entries] == [("/log", "走访", "error")]


async def test_unhandled_and_refused_outcomes_are_recorded(world: World) -> None:
    middleware = AuditMiddleware(world.db, FakeClock(NOW))
    message = {"message_id": 5, "date": 0, "chat": PRIVATE, "from": USER, "text": "/nonsense"}

    async def nobody(_event: Any, _data: dict[str, Any]) -> Any:
        return UNHANDLED

    async def refusing(_event: Any, data: dict[str, Any]) -> Any:
        data["audit"].refused("scope")

    async with world.session() as session:
        await middleware(nobody, _update(message=message), {"session": session})
        await middleware(refusing, _update(message=message), {"session": session})
    async with world.session() as s:
        outcomes = [e.outcome for e, _p in await entries_since(s, NOW)]
    assert outcomes == ["unhandled", "refused:scope"]


async def _w1(session: AsyncSession) -> Person:
    person = await staff_person(session, W1)
    assert person is not None
    return person
