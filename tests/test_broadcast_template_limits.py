"""A broadcast template can neither freeze the bot nor flood the groups: renders run in a child
process with a CPU time and an output size limit (broadcasts/rendering.py)."""

from __future__ import annotations

import asyncio
import itertools
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from broadcasts import BroadcastError, create_broadcast, preview, rendering
from broadcasts.personalize import check_template
from broadcasts.rendering import TemplateRenderer
from models.broadcasts import Broadcast, DeliveryStatus
from models.groups import Group
from models.tree import Node
from tests.support.broadcasts import FakeSender, seed_district
from tests.test_broadcast_engine import deliveries, engine_for, new_broadcast, node_id
from tests.test_cli import gridbot

Factory = async_sessionmaker[AsyncSession]

# Six nested loops, 222 characters: 50**6 empty iterations, hours of CPU without the limit.
SIX_LOOPS = "".join(f"{{% for {v} in range(50) %}}" for v in "abcdef") + "{% endfor %}" * 6
# 12 characters times 2,500: 30,000 characters, 8 messages to every group without the limit.
REPEATED = "{% set text = '请各户及时检查燃气阀门。' %}{{ text * 2500 }}"


async def heartbeat(beats: list[float], stop: asyncio.Event) -> None:
    """Ticks every 50 ms for as long as the event loop is free to run it."""
    while not stop.is_set():
        beats.append(time.monotonic())
        await asyncio.sleep(0.05)


async def test_six_nested_loops_are_refused_within_two_seconds_and_the_loop_runs_on() -> None:
    await check_template("{{ group.name }}")  # the child process is up
    beats: list[float] = []
    stop = asyncio.Event()
    ticking = asyncio.create_task(heartbeat(beats, stop))
    started = time.monotonic()
    with pytest.raises(BroadcastError) as refused:
        await check_template(SIX_LOOPS)
    took = time.monotonic() - started
    stop.set()
    await ticking
    assert took < 2.5
    assert str(refused.value).startswith("模板错误：生成一个群的文字超过了 0.5 秒计算时间")
    gaps = [b - a for a, b in itertools.pairwise(beats)]
    assert len(beats) >= 10 and max(gaps) < 0.5  # the event loop was never held


@pytest.mark.parametrize(
    "text",
    [
        REPEATED,
        "{% for i in range(100000) %}{{ group.name }}{% endfor %}",
        "{{ '警' * 10 ** 9 }}",
        "{{ ['网格'] * 100000 }}",
        "{{ '网格' | center(10 ** 8) }}",
    ],
)
async def test_a_template_that_renders_too_much_text_is_refused_with_the_size(text: str) -> None:
    with pytest.raises(BroadcastError) as refused:
        await check_template(text)
    assert str(refused.value).startswith("模板错误：生成的文字超过 4096 字")


async def test_a_power_too_big_to_compute_is_refused_as_too_much_work() -> None:
    with pytest.raises(BroadcastError, match="计算时间"):
        await check_template("{{ 7 ** 100000000 }}")  # minutes in one C call, never started


async def test_a_stuck_child_is_killed_and_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    """The parent's own deadline: whatever the CPU timer misses, the child is killed."""
    renderer = TemplateRenderer(cpu_seconds=30.0)  # the child's own timer will not fire first
    monkeypatch.setattr(rendering, "WALL_PER_CPU", 0.02)  # 0.6 s + 1 s for one context
    try:
        await renderer.render("x", [{}])  # started: no startup allowance from here on
        started = time.monotonic()
        [stuck] = await renderer.render(SIX_LOOPS, [{}])
        assert time.monotonic() - started < 5
        assert isinstance(stuck, BroadcastError) and "计算时间" in str(stuck)
        assert await renderer.render("{{ n }} 户", [{"n": 3}]) == ["3 户"]  # a fresh child
    finally:
        renderer.close()


async def test_creation_and_preview_refuse_the_template_and_write_nothing(
    session_factory: Factory,
) -> None:
    async with session_factory() as session:
        await seed_district(session, 2)
        await session.commit()
    root = await node_id(session_factory, "PG")
    async with session_factory() as session:
        for text in (SIX_LOOPS, REPEATED):
            with pytest.raises(BroadcastError, match="模板错误"):
                await preview(session, text, root)
            with pytest.raises(BroadcastError, match="模板错误"):
                await create_broadcast(session, node_id=root, text=text)
        await session.commit()
        assert await session.scalar(select(col(Broadcast.id))) is None


async def test_at_send_time_a_group_whose_text_is_too_long_fails_alone(
    session_factory: Factory,
) -> None:
    """A template that passed its checks but gives one group too much text: that group's
    delivery fails with the reason, nothing is sent there, the others get their copy."""
    async with session_factory() as session:
        await seed_district(session, 3)
        await session.commit()
    text = (
        "{% if node.code == 'PG-01-001-02' %}{{ '很长的通知' * 2000 }}{% endif %}{{ group.name }}"
    )
    broadcast_id = await new_broadcast(session_factory, text=text)
    sender = FakeSender()
    await engine_for(session_factory, sender).run_until_idle()
    rows = await deliveries(session_factory, broadcast_id)
    async with session_factory() as session:
        codes = {row.group_id: await code_of(session, row.group_id) for row in rows}
    failed = [r for r in rows if r.status is DeliveryStatus.failed]
    assert [codes[r.group_id] for r in failed] == ["PG-01-001-02"]
    assert "生成的文字超过" in (failed[0].error or "")
    assert sender.messages(failed[0].chat_id or 0) == []
    delivered = [r for r in rows if r.status is DeliveryStatus.delivered]
    assert len(delivered) == 2
    for row in delivered:
        [message] = sender.messages(row.chat_id or 0)
        assert len(message.text or "") < 100


async def code_of(session: AsyncSession, group_id: int) -> str:
    group = await session.get(Group, group_id)
    assert group is not None
    node = await session.get(Node, group.node_id)
    assert node is not None
    return node.code


def test_the_command_line_refuses_the_template_with_the_reason(tmp_path: Path) -> None:
    gridbot(tmp_path, "demo-data", "--grids", "4", "-o", "district.csv")
    gridbot(tmp_path, "db", "upgrade")
    gridbot(tmp_path, "import", "district.csv")
    for text, reason in ((SIX_LOOPS, "计算时间"), (REPEATED, "生成的文字超过 4096 字")):
        refused = gridbot(tmp_path, "broadcast", "--to", "PG", "--text", text, "--no-wait")
        assert refused.returncode == 1 and reason in refused.stderr
    assert gridbot(tmp_path, "broadcasts").stdout.strip() == "no broadcasts yet"
