"""Refusals through the running bot: one handler words the reply from the command's template
(an alert for a button press) and the audit log records `refused:<reason>`."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from models.audit import AuditEntry
from models.people import Person
from models.tree_service import node_by_code
from tests.e2e.conftest import World
from tests.e2e.test_group_binding import say
from tests.e2e.test_tickets import WORKER2, staff_with_dm
from tests.e2e.test_work_day import settled

GRID1 = "PG-01-001-01"  # not WORKER2's grid


async def _audit(session: AsyncSession) -> list[tuple[str | None, str, str, str]]:
    result = await session.execute(
        select(Person.key, AuditEntry.command, AuditEntry.args, AuditEntry.outcome)
        .join(Person, col(Person.id) == AuditEntry.person_id)
        .order_by(col(AuditEntry.id))
    )
    return [(key, command, args, outcome) for key, command, args, outcome in result.all()]


async def _pressed(world: World, query_id: str) -> dict[str, Any]:
    async def answer(_session: AsyncSession) -> dict[str, Any]:
        return await world.client.callback_answer(query_id)

    return await settled(world, answer, lambda found: bool(found["answered"]))


async def test_refused_commands_and_presses_are_answered_and_audited(world: World) -> None:
    worker = await staff_with_dm(world, WORKER2, "李娜")
    me = worker["id"]

    outside = await say(world, me, me, "/stats PG-02")
    assert outside["text"] == "PG-02 不在您负责的范围内。"
    unknown = await say(world, me, me, "/claim 9999")
    assert unknown["text"] == "没有找到工单 #9999，请核对编号。"
    not_admin = await say(world, me, me, "/broadcast")
    assert not_admin["text"].startswith("抱歉，只有社区、镇街和区级管理人员可以群发")

    async with world.db() as session:
        grid1 = await node_by_code(session, GRID1)
        assert grid1 is not None
    greeting = await world.client.wait_for(me, contains="您好")
    data = f"cl:{grid1.id}:visit"  # 完成 on another grid's checklist
    pressed = await world.client.press_button(me, greeting["message_id"], me, data)
    answer = await _pressed(world, pressed["callback_query_id"])
    assert (answer["text"], answer["show_alert"]) == (f"{GRID1} 不在您负责的范围内。", True)

    expected = [
        ("W0002", "/start", "", "ok"),
        ("W0002", "/stats", "PG-02", "refused:scope"),
        ("W0002", "/claim", "9999", "refused:unknown"),
        ("W0002", "/broadcast", "", "refused:role"),
        ("W0002", "button:cl", f"{grid1.id}:visit", "refused:scope"),
    ]
    assert await settled(world, _audit, lambda found: len(found) >= len(expected)) == expected


async def test_a_resident_is_refused_with_the_staff_wording_and_not_audited(world: World) -> None:
    resident = await world.client.create_user("王秀英")
    await world.client.start_private(resident["id"])
    await world.client.wait_for(resident["id"], contains="您好")
    me = resident["id"]

    nope = await say(world, me, me, "/checklist")
    assert nope["text"] == "工作日志、清单和人口统计仅限网格员和管理人员使用。"
    nope = await say(world, me, me, "/headcount_status")
    assert nope["text"] == "工作日志、清单和人口统计仅限网格员和管理人员使用。"
    nope = await say(world, me, me, "/post 明天停水")
    assert nope["text"].startswith("只有网格员可以用 /post")
    async with world.db() as session:
        assert await _audit(session) == []
