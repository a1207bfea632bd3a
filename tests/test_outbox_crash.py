"""kill -9 of the courier's process mid-send: every committed message is delivered, each once,
except the one in flight, which goes again flagged as a possible duplicate."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import select

from core.clock import Clock
from core.db import session_scope
from models.outgoing import OutgoingMessage, OutStatus
from outbox.courier import Courier
from outbox.write import say
from tests.support.channel import ScriptedChannel

ROOT = Path(__file__).resolve().parent.parent
MESSAGES, HANG_AT = 12, 7


async def test_a_courier_killed_mid_send_loses_nothing_and_flags_the_one_in_flight(
    session_factory: async_sessionmaker[AsyncSession], database_url: str, tmp_path: Path
) -> None:
    async with session_scope(session_factory) as session:
        for n in range(MESSAGES):
            say(session, -1001, f"reply {n}")
    log = tmp_path / "delivered.txt"
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.support.courier_child",
        database_url,
        str(log),
        str(HANG_AT),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert child.stdout is not None
    line = await asyncio.wait_for(child.stdout.readline(), timeout=60)
    assert line.strip() == b"READY"
    child.send_signal(signal.SIGKILL)
    await child.wait()

    channel = ScriptedChannel()
    restarted = Courier(session_factory, channel, now=Clock().now)
    assert await restarted.recover() == 1  # the one in flight
    await restarted.deliver_all()

    before_kill = log.read_text(encoding="utf-8").splitlines()
    delivered = Counter(before_kill + channel.texts(-1001))
    assert sorted(delivered) == sorted(f"reply {n}" for n in range(MESSAGES))  # none lost
    assert len(before_kill) == HANG_AT - 1
    async with session_factory() as session:
        rows = list((await session.execute(select(OutgoingMessage))).scalars())
    assert {r.status for r in rows} == {OutStatus.sent}
    flagged = {r.text for r in rows if r.possibly_duplicate}
    assert flagged == {f"reply {HANG_AT - 1}"}
    assert all(count == 1 for count in delivered.values())  # the in-flight one never arrived
