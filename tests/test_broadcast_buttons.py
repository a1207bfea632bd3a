"""Buttons under broadcast copies: 已阅 and poll options, under the last part of every copy."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from broadcasts import BroadcastError, Button, create_broadcast
from models.broadcasts import Broadcast, BroadcastKind
from tests.support.broadcasts import FakeSender
from tests.test_broadcast_engine import engine_for, new_broadcast, node_id, seed

Factory = async_sessionmaker[AsyncSession]
LONG = "\n\n".join(f"第{n}条：" + "请各户检查燃气阀门。" * 300 for n in range(1, 3))


async def test_the_read_button_sits_under_the_last_part_only(session_factory: Factory) -> None:
    groups = await seed(session_factory, grids=3)
    broadcast_id = await new_broadcast(session_factory, text=LONG, read_button=True)
    sender = FakeSender()
    await engine_for(session_factory, sender).run_until_idle()
    for _, chat, _ in groups:
        first, last = sender.messages(chat)
        assert first.buttons == ()
        assert last.buttons == ((Button("已阅", "read", broadcast_id),),)


async def test_a_photo_alone_carries_the_read_button(session_factory: Factory) -> None:
    groups = await seed(session_factory, grids=2)
    broadcast_id = await new_broadcast(
        session_factory, text="防汛演练，见图。", photo="AgACAgIAAxkBAAIB", read_button=True
    )
    sender = FakeSender()
    await engine_for(session_factory, sender).run_until_idle()
    for _, chat, _ in groups:
        [photo] = sender.messages(chat)
        assert photo.kind == "photo"
        assert photo.buttons == ((Button("已阅", "read", broadcast_id),),)


async def test_a_poll_has_one_button_per_option(session_factory: Factory) -> None:
    groups = await seed(session_factory, grids=2)
    poll = await new_broadcast(
        session_factory,
        text="您对本月社区环境整治满意吗？",
        kind=BroadcastKind.poll,
        options=[" 满意", "基本满意 ", "不满意"],
    )
    wordy = ["非常满意，效果明显", "比较满意，还有改进", "一般般吧，变化不大", "不满意，没变化"]
    wordy.append("不了解")
    long_poll = await new_broadcast(
        session_factory, text=LONG, kind=BroadcastKind.poll, options=wordy
    )
    sender = FakeSender()
    await engine_for(session_factory, sender).run_until_idle()
    for _, chat, _ in groups:
        short, first_part, last_part = sender.messages(chat)
        assert short.buttons == (
            (
                Button("满意", "vote", poll, 0),
                Button("基本满意", "vote", poll, 1),
                Button("不满意", "vote", poll, 2),
            ),
        )
        assert first_part.buttons == ()
        assert labels(last_part.buttons) == [wordy[0:2], wordy[2:4], wordy[4:5]]
        assert [b.option for row in last_part.buttons for b in row] == [0, 1, 2, 3, 4]
        assert {b.broadcast_id for row in last_part.buttons for b in row} == {long_poll}
    async with session_factory() as session:
        stored = await session.get(Broadcast, poll)
    assert stored is not None
    assert json.loads(stored.options or "") == ["满意", "基本满意", "不满意"]


def labels(rows: Sequence[Sequence[Button]]) -> list[list[str]]:
    return [[b.label for b in row] for row in rows]


@pytest.mark.parametrize(
    ("kind", "text", "options", "problem"),
    [
        (BroadcastKind.poll, "满意吗？", ["满意"], "投票需要 2 到 10 个选项，现在 1 个"),
        (BroadcastKind.poll, "满意吗？", [str(n) for n in range(11)], "现在 11 个"),
        (BroadcastKind.poll, "满意吗？", None, "现在 0 个"),
        (BroadcastKind.poll, "满意吗？", ["满意", "  "], "第 2 个选项是空的"),
        (BroadcastKind.poll, "满意吗？", ["满意", "满意 "], "选项重复：满意"),
        (BroadcastKind.poll, " ", ["满意", "不满意"], "投票需要题目"),
        (BroadcastKind.message, "通知", ["满意", "不满意"], "只有投票可以带选项"),
        (BroadcastKind.edit, "通知", None, "create_edit"),
    ],
)
async def test_poll_options_are_checked_before_anything_is_written(
    session_factory: Factory,
    kind: BroadcastKind,
    text: str,
    options: list[str] | None,
    problem: str,
) -> None:
    await seed(session_factory, grids=2)
    root = await node_id(session_factory, "PG")
    async with session_factory() as session:
        with pytest.raises(BroadcastError, match=problem):
            await create_broadcast(session, node_id=root, text=text, kind=kind, options=options)
        await session.commit()
        assert await session.scalar(select(col(Broadcast.id))) is None
