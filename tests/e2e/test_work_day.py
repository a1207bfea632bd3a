"""A grid worker's day through the emulator: work logs (a kind recognised, a kind picked, a
hazard turned into a ticket), the weekly checklist, a district headcount with one late grid,
grid-scoped tickets, role-aware /help, every staff command in the audit log, and the official's
/stats of such a day against figures recomputed from the raw rows."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from core.timezone import district_zone
from models.audit import AuditEntry
from models.people import Person
from models.tickets import Ticket, TicketStatus
from models.tree_service import node_by_code
from models.work import ChecklistMark, HeadcountRound, WorkKind, WorkLog
from tests.e2e.conftest import World
from tests.e2e.day_figures import day_figures
from tests.e2e.test_group_binding import say
from tests.e2e.test_tickets import grid_group, staff_with_dm
from work.headcount import headcount_latest

WORKER2, OFFICIAL = 930000002, 900000001  # W0002 on PG-01-001-02, D0001 on the district
GRID2 = "PG-01-001-02"
T = TypeVar("T")


def button(message: dict[str, Any], text: str) -> str:
    """The callback data of the button labelled `text` under a bot message."""
    for row in message["reply_markup"]["inline_keyboard"]:
        for key in row:
            if key["text"] == text:
                return str(key["callback_data"])
    raise AssertionError(f"no button {text!r} under: {message['text']}")


async def press(world: World, user: dict[str, Any], message: dict[str, Any], text: str) -> str:
    """Press a button in the user's private chat; the text the bot answered the press with."""
    data = button(message, text)
    pressed = await world.client.press_button(user["id"], message["message_id"], user["id"], data)
    for _ in range(100):
        answer = await world.client.callback_answer(pressed["callback_query_id"])
        if answer["answered"]:
            return str(answer["text"] or "")
        await asyncio.sleep(0.05)
    raise AssertionError(f"the press of {text!r} was never answered")


async def settled(
    world: World, query: Callable[[AsyncSession], Awaitable[T]], ok: Callable[[T], bool]
) -> T:
    """Poll the database until `ok(result)`: replies go out before the update's commit."""
    for _ in range(100):
        async with world.db() as session:
            result = await query(session)
        if ok(result):
            return result
        await asyncio.sleep(0.05)
    raise AssertionError(f"the database never settled: {result!r}")


async def rows(session: AsyncSession, table: type[Any]) -> list[Any]:
    return list((await session.execute(select(table).order_by(col(table.id)))).scalars())


@dataclass
class Crew:
    """Who works the day: grid 1's worker (group bound, one resident), grid 2's, the official."""

    worker: dict[str, Any]
    resident: dict[str, Any]
    chat: dict[str, Any]
    other: dict[str, Any]
    official: dict[str, Any]


async def the_crew(world: World) -> Crew:
    worker, resident, chat = await grid_group(world)  # W0001 on PG-01-001-01, group bound
    other = await staff_with_dm(world, WORKER2, "马玉兰")
    official = await staff_with_dm(world, OFFICIAL, "黄静")
    return Crew(worker, resident, chat, other, official)


async def keep_the_work_log(world: World, crew: Crew) -> Ticket:
    """A visit whose hazard becomes a ticket in one tap, a kind picked by button, a service;
    the hazard ticket."""
    worker, other = crew.worker, crew.other
    me, them = worker["id"], other["id"]
    saved = await say(world, me, me, "/log 入户走访 3号楼 5户，发现楼道堆物1处")
    assert saved["text"].startswith("📒 已记录日志 #1｜入户走访｜1-2号楼网格")
    assert "已转为工单 #1（安全隐患" in await press(world, worker, saved, "转为工单")
    await world.client.wait_for(me, contains="🎫 已转为工单 #1")
    await world.client.wait_for(me, contains="新工单 #1")  # the grid's worker is told, as ever
    (ticket,) = await settled(world, lambda s: rows(s, Ticket), lambda t: len(t) == 1)
    async with world.db() as session:
        grid1 = await node_by_code(session, "PG-01-001-01")
    assert grid1 is not None
    assert (ticket.category, ticket.node_id, ticket.reporter_user_id) == ("safety", grid1.id, me)

    # A text the bot cannot place: the worker picks the kind with a button.
    pick = await say(world, them, them, "/log 与物业商量楼下停车位划线")
    assert pick["text"].startswith("这条日志属于哪一类？")
    await press(world, other, pick, "便民服务")
    await world.client.wait_for(them, contains="📒 已记录日志 #2｜便民服务｜3-6号楼网格")
    await say(world, me, me, "/log 帮王大爷代缴电费")
    logs = await settled(world, lambda s: rows(s, WorkLog), lambda found: len(found) == 3)
    assert [(entry.kind, entry.ticket_id) for entry in logs] == [
        (WorkKind.visit, ticket.id),
        (WorkKind.service, None),
        (WorkKind.service, None),
    ]
    return ticket


async def tick_the_checklist(world: World, crew: Crew) -> None:
    """The weekly checklist: all due, then one done with its button."""
    me = crew.worker["id"]
    card = await say(world, me, me, "/checklist")
    assert "⬜ 走访独居老人" in card["text"] and "待完成 3 项" in card["text"]
    assert await press(world, crew.worker, card, "完成：走访独居老人") == "已完成：走访独居老人"
    marked = "✅ 走访独居老人（黄秀英 北京时间 11-24 17:00）"
    done = await world.client.wait_for(me, contains=marked)
    assert "待完成 2 项" in done["text"]
    assert len(done["reply_markup"]["inline_keyboard"]) == 2
    await settled(world, lambda s: rows(s, ChecklistMark), lambda marks: len(marks) == 1)


async def count_heads_with_a_late_grid(world: World, crew: Crew) -> None:
    """A district headcount due at 18:00 (Beijing): grid 1 answers at once, grid 2 only after
    its reminder at 18:05; the clock is left at 18:05."""
    me, them, boss = crew.worker["id"], crew.other["id"], crew.official["id"]
    opened = await say(world, boss, boss, "/headcount_open PG 18:00")
    assert (
        "已发起今日在区人口统计：平谷区" in opened["text"]
        and "共 8 个网格，截止 北京时间 18:00" in opened["text"]
    )
    await settled(world, lambda s: rows(s, HeadcountRound), lambda found: len(found) == 1)
    assert world.runtime is not None
    await world.runtime.sweep_once()
    await world.client.wait_for(me, contains="今日在区人口统计（平谷区）")
    await world.client.wait_for(them, contains="府前社区 › 3-6号楼网格")
    answer = await say(world, me, me, "/headcount 126")
    assert answer["text"].startswith("✅ 已填报：1-2号楼网格 今日在区 126 人")
    status = await say(world, boss, boss, "/headcount_status")
    assert "平谷区：合计 126 人（已报 1/8 个网格）" in status["text"]
    assert "未报网格（7）" in status["text"]

    # 18:05: the late grid is reminded (once), the official gets the summary; it answers by keypad.
    world.clock.advance(timedelta(hours=1, minutes=5))
    await world.runtime.sweep_once()
    await world.runtime.sweep_once()
    reminder = await world.client.wait_for(them, contains="⏰ 提醒")
    await world.client.wait_for(boss, contains="⏰ 截止时间到")
    reminders = [m for m in await world.client.bot_messages(them) if "⏰ 提醒" in m["text"]]
    assert len(reminders) == 1
    assert not any("⏰ 提醒" in m["text"] for m in await world.client.bot_messages(me))
    for key, shown in (("9", "当前输入：9"), ("8", "当前输入：98")):
        await press(world, crew.other, reminder, key)
        reminder = await world.client.wait_for(them, contains=shown)
    await press(world, crew.other, reminder, "✅ 提交")
    await world.client.wait_for(them, contains="✅ 已填报：3-6号楼网格 今日在区 98 人")

    # The roll-up: district, towns, community; the missing list shrank.
    status = await say(world, boss, boss, "/headcount_status")
    assert "平谷区：合计 224 人（已报 2/8 个网格）" in status["text"]
    assert "· 滨河街道：224 人（已报 2/4 个网格）" in status["text"]
    assert "· 兴谷街道：0 人（已报 0/4 个网格）" in status["text"]
    assert "未报网格（6）" in status["text"] and "3-6号楼网格" not in status["text"]
    community = await say(world, boss, boss, "/headcount_status PG-01-001")
    assert "府前社区：合计 224 人（已报 2/2 个网格）" in community["text"]
    assert "所有网格均已填报" in community["text"]
    async with world.db() as session:
        district = await node_by_code(session, "PG")
        assert district is not None
        total, answered_grids, missing = await headcount_latest(session, district) or (0, 0, [])
    assert (total, answered_grids, len(missing)) == (224, 2, 6)


async def test_a_day_of_work_in_a_small_district(world: World) -> None:
    crew = await the_crew(world)
    hazard = await keep_the_work_log(world, crew)
    await tick_the_checklist(world, crew)
    await count_heads_with_a_late_grid(world, crew)
    them, chat, resident = crew.other["id"], crew.chat, crew.resident

    # Another grid's worker neither sees nor claims the hazard ticket.
    listed = await say(world, them, them, "/tickets")
    assert f"#{hazard.id} " not in listed["text"]
    refused = await say(world, them, them, f"/claim {hazard.id}")
    assert "不在您负责的范围内" in refused["text"]
    not_opener = await say(world, them, them, "/headcount_open PG")
    assert "只有社区、镇街和区级管理人员" in not_opener["text"]
    await say(world, chat["id"], resident["id"], "/whereami")  # a resident's: not audited

    # Every staff command and button press of the day is in the audit log, in order.
    expected = [
        ("W0001", "/start", "ok"),
        ("W0001", "/bind", "ok"),
        ("W0002", "/start", "ok"),
        ("D0001", "/start", "ok"),
        ("W0001", "/log", "ok"),
        ("W0001", "button:wt", "ok"),
        ("W0002", "/log", "ok"),
        ("W0002", "button:wk", "ok"),
        ("W0001", "/log", "ok"),
        ("W0001", "/checklist", "ok"),
        ("W0001", "button:cl", "ok"),
        ("D0001", "/headcount_open", "ok"),
        ("W0001", "/headcount", "ok"),
        ("D0001", "/headcount_status", "ok"),
        ("W0002", "button:hc", "ok"),
        ("W0002", "button:hc", "ok"),
        ("W0002", "button:hc", "ok"),
        ("D0001", "/headcount_status", "ok"),
        ("D0001", "/headcount_status", "ok"),
        ("W0002", "/tickets", "ok"),
        ("W0002", "/claim", "refused:forbidden"),
        ("W0002", "/headcount_open", "refused:not_opener"),
    ]
    audit = await settled(world, _audit_log, lambda found: len(found) >= len(expected))
    assert audit == expected


async def _audit_log(session: AsyncSession) -> list[tuple[str | None, str, str]]:
    result = await session.execute(
        select(Person.key, AuditEntry.command, AuditEntry.outcome)
        .join(Person, col(Person.id) == AuditEntry.person_id)
        .order_by(col(AuditEntry.id))
    )
    return [(key, command, outcome) for key, command, outcome in result.all()]


async def report(world: World, chat: dict[str, Any], resident: dict[str, Any], text: str) -> int:
    """A resident's message in a grid group; the id of the ticket the bot registered."""
    reply = await say(world, chat["id"], resident["id"], text)
    registered = re.match(r"📝 已登记：\S+（\S+）工单 #(\d+)", reply["text"])
    assert registered, reply["text"]
    return int(registered.group(1))


async def act(world: World, staff: dict[str, Any], command: str, answer: str) -> None:
    """A staff command in the private chat, answered with `answer` (other news may come too)."""
    await world.client.send_message(staff["id"], staff["id"], command)
    await world.client.wait_for(staff["id"], contains=answer)


async def ticket_status(world: World, ticket_id: int, status: TicketStatus) -> None:
    await settled(
        world, lambda s: s.get(Ticket, ticket_id), lambda t: t is not None and t.status is status
    )


async def test_the_official_sees_the_days_figures_as_the_rows_add_up(world: World) -> None:
    crew = await the_crew(world)
    await keep_the_work_log(world, crew)  # a hazard ticket in grid 1, three log entries
    await count_heads_with_a_late_grid(world, crew)  # 224 in total, grid 2 late; now 18:05
    worker, other, resident, chat = crew.worker, crew.other, crew.resident, crew.chat

    # Residents of both grids report: a leak and a quarrel in grid 1, a leak and gas in grid 2.
    chat2 = await world.group_with_bot("第2网格群", other)
    await say(world, chat2["id"], other["id"], f"/bind {GRID2}")
    neighbour = await world.client.create_user("李桂兰")
    leak = await report(world, chat, resident, "我家厨房水管漏水了，楼下都湿了")
    quarrel = await report(world, chat, resident, "楼上邻居天天半夜吵架，吵得没法睡")
    leak2 = await report(world, chat2, neighbour, "卫生间水管漏水了，请师傅来看看")
    gas = await report(world, chat2, neighbour, "我闻到楼道里有很浓的煤气味")

    # Grid 1's leak is fixed and rated 满意, its quarrel taken; grid 2's leak is fixed (not yet
    # rated) and the gas smell taken.
    await act(world, worker, f"/claim {leak}", f"已接单：工单 #{leak}")
    await act(world, worker, f"/done {leak} 已更换水管接头", f"已办结：工单 #{leak}")
    ask = await world.client.wait_for(chat["id"], contains="请对办理结果评价")
    satisfied = button(ask, "满意")
    await world.client.press_button(chat["id"], ask["message_id"], resident["id"], satisfied)
    await ticket_status(world, leak, TicketStatus.closed)
    await act(world, worker, f"/claim {quarrel}", f"已接单：工单 #{quarrel}")
    await act(world, other, f"/claim {leak2}", f"已接单：工单 #{leak2}")
    await act(world, other, f"/done {leak2} 已修好", f"已办结：工单 #{leak2}")
    await act(world, other, f"/claim {gas}", f"已接单：工单 #{gas}")
    # The leak closed, the resident's next repair is a case of its own.
    await report(world, chat, resident, "楼道灯坏了好几天了")
    await ticket_status(world, gas, TicketStatus.claimed)

    boss = crew.official["id"]
    stats = await say(world, boss, boss, "/stats 今天")
    tz = district_zone(world.settings)
    async with world.db() as session:
        expected = await day_figures(session, "PG", world.clock.now().astimezone(tz).date(), tz)
    assert expected == [  # the day above, as the rows tell it
        "工单 6 件：报修 3、安全隐患 2、矛盾纠纷 1",
        "办结率 33.3%（2/6）",
        "工作日志 3 条：入户走访 1、便民服务 2",
        "在区人口（最新一轮）：224 人，已报 2 个网格，未报 6 个",
    ]
    shown = stats["text"].splitlines()
    assert shown[0] == "📊 平谷区"
    for line in expected:
        assert line in shown, f"{line!r} not in:\n{stats['text']}"


async def test_help_shows_each_role_its_own_commands(world: World) -> None:
    worker = await staff_with_dm(world, 930000001, "黄秀英")
    official = await staff_with_dm(world, OFFICIAL, "黄静")
    resident = await world.client.create_user("王秀英")
    await world.client.start_private(resident["id"])
    await world.client.wait_for(resident["id"], contains="您好")
    for_resident = await say(world, resident["id"], resident["id"], "/help")
    for_worker = await say(world, worker["id"], worker["id"], "/help")
    for_official = await say(world, official["id"], official["id"], "/help")
    assert "/whereami" in for_resident["text"] and "/log" not in for_resident["text"]
    assert "/log 内容" in for_worker["text"] and "/headcount 人数" in for_worker["text"]
    assert "/headcount_open" not in for_worker["text"]
    assert "/headcount_open" in for_official["text"] and "/broadcast" in for_official["text"]
    assert len({for_resident["text"], for_worker["text"], for_official["text"]}) == 3


async def test_bad_inputs_get_clear_replies_and_change_nothing(world: World) -> None:
    worker = await staff_with_dm(world, 930000001, "黄秀英")
    admin = await staff_with_dm(world, 920000001, "李强")  # community admin of PG-01-001
    resident = await world.client.create_user("王秀英")
    await world.client.start_private(resident["id"])
    await world.client.wait_for(resident["id"], contains="您好")
    me, boss = worker["id"], admin["id"]

    nope = await say(world, resident["id"], resident["id"], "/log 入户走访 3号楼")
    assert nope["text"] == "工作日志、清单和人口统计仅限网格员和管理人员使用。"
    usage = await say(world, me, me, "/log")
    assert usage["text"].startswith("用法：/log 内容")
    none_today = await say(world, me, me, "/headcount 120")
    assert none_today["text"] == "今天没有需要填报的在区人口统计。"
    two = await say(world, me, me, "/headcount 120 130")
    assert two["text"].startswith("用法：/headcount 人数")
    not_mine = await say(world, me, me, "/headcount 120 PG-01-001-02")
    assert not_mine["text"] == "PG-01-001-02 不在您负责的范围内。"
    no_grid = await say(world, boss, boss, "/checklist")
    assert no_grid["text"].startswith("清单按网格记录")
    unknown = await say(world, boss, boss, "/checklist PG-99")
    assert unknown["text"] == "没有找到编码 PG-99，请核对。"
    outside = await say(world, boss, boss, "/headcount_open PG-02")
    assert outside["text"] == "PG-02 不在您负责的范围内。"
    too_late = await say(world, boss, boss, "/headcount_open 08:00")  # it is 17:00 in Beijing
    assert "截止时间 08:00 已过" in too_late["text"]
    not_yet = await say(world, boss, boss, "/headcount_status")
    assert not_yet["text"] == "今天 平谷区 › 滨河街道 › 府前社区 还没有发起在区人口统计。"
    opened = await say(world, boss, boss, "/headcount_open 19:30")
    assert "府前社区" in opened["text"] and "共 2 个网格，截止 北京时间 19:30" in opened["text"]
    again = await say(world, boss, boss, "/headcount_open PG-01-001 20:00")
    assert again["text"].startswith(
        "今天已发起过 平谷区 › 滨河街道 › 府前社区 的在区人口统计（截止 北京时间 19:30）"
    )

    async def state(s: AsyncSession) -> tuple[int, int, int]:
        return (
            len(await rows(s, WorkLog)),
            len(await rows(s, ChecklistMark)),
            len(await rows(s, HeadcountRound)),
        )

    assert await settled(world, state, lambda counts: counts[2] == 1) == (0, 0, 1)
