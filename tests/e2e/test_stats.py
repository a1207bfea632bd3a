"""A day of work through the emulator, then /stats, /export and the daily digest."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import timedelta
from typing import Any

from sqlmodel import col, select

from models.tickets import EventKind, Rating, Ticket, TicketEvent, TicketStatus
from models.tree import Node
from tests.e2e.conftest import World
from tests.e2e.test_group_binding import WORKER1, say
from tests.e2e.test_tickets import COMMUNITY_ADMIN1, TOWN_ADMIN1, grid_group, staff_with_dm

TOWN = "PG-01"


def stored(world: World, chat_id: int, message_id: int) -> Any:
    return world.emu.runtime.state.chats[chat_id].messages[message_id]


def file_bytes(world: World, file_id: str) -> bytes:
    return world.emu.runtime.state.files[file_id].data


async def committed(world: World, predicate: Any) -> list[Ticket]:
    """The tickets once `predicate(tickets)` holds (replies go out before the commit)."""
    for _ in range(200):
        async with world.db() as session:
            found = list(
                (await session.execute(select(Ticket).order_by(col(Ticket.id)))).scalars()
            )
        if predicate(found):
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"tickets never reached the expected state: {found}")


async def a_day_of_work(world: World) -> dict[str, Any]:
    """Three reports in grid 1: one done and rated 满意, one claimed, a gas smell escalated."""
    worker, resident, chat = await grid_group(world)
    admin = await staff_with_dm(world, TOWN_ADMIN1, "镇街李主任")
    await staff_with_dm(world, COMMUNITY_ADMIN1, "社区刘书记")
    for text in (
        "我家厨房水管漏水了，楼下都湿了",
        "小区门口垃圾堆了三天没人清",
        "我闻到楼道里有很浓的煤气味",
    ):
        await say(world, chat["id"], resident["id"], text)
    leak, garbage, _gas = await committed(world, lambda t: len(t) == 3)
    world.clock.advance(timedelta(minutes=3))
    await say(world, worker["id"], worker["id"], f"/claim {leak.id}")
    await say(world, worker["id"], worker["id"], f"/claim {garbage.id}")
    world.clock.advance(timedelta(minutes=4))
    assert world.runtime is not None
    await world.runtime.sweep_once()  # the gas case was not claimed in 5 minutes
    await world.client.wait_for(chat["id"], contains="已上报至")
    world.clock.advance(timedelta(minutes=30))
    await say(world, worker["id"], worker["id"], f"/done {leak.id} 已更换水管接头")
    ask = await world.client.wait_for(chat["id"], contains="请对办理结果评价")
    satisfied = ask["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    await world.client.press_button(chat["id"], ask["message_id"], resident["id"], satisfied)
    await committed(world, lambda t: t[0].status is TicketStatus.closed)
    return {"worker": worker, "admin": admin, "chat": chat}


async def expected_lines(world: World, code: str) -> list[str]:
    """The headline figures recomputed from the raw ticket and event rows."""
    async with world.db() as session:
        root = (await session.execute(select(Node).where(Node.code == code))).scalar_one()
        under = select(Node.id).where(col(Node.lineage).startswith(root.lineage))
        tickets = list(
            (await session.execute(select(Ticket).where(col(Ticket.node_id).in_(under)))).scalars()
        )
        ups = await session.execute(
            select(TicketEvent).where(
                col(TicketEvent.ticket_id).in_([t.id for t in tickets]),
                TicketEvent.kind == EventKind.escalated,
            )
        )
        levels = [(await session.get(Node, e.node_id)).level.label for e in ups.scalars()]  # type: ignore[union-attr]
    done = [t for t in tickets if t.status in (TicketStatus.resolved, TicketStatus.closed)]
    rated = [t for t in tickets if t.rating is not None]
    pleased = [t for t in rated if t.rating in (Rating.satisfied, Rating.basically_satisfied)]
    claims = sorted((t.claimed_at - t.created_at).total_seconds() for t in tickets if t.claimed_at)
    resolves = [(t.resolved_at - t.created_at).total_seconds() for t in done if t.resolved_at]
    claim_median = (claims[0] + claims[-1]) / 2 if len(claims) == 2 else claims[len(claims) // 2]
    return [
        f"工单 {len(tickets)} 件：",
        f"办结率 {len(done) / len(tickets):.1%}（{len(done)}/{len(tickets)}）",
        f"满意率 {len(pleased) / len(rated):.1%}（已评价 {len(rated)} 件：满意 {len(pleased)}）",
        f"接单用时：中位 {round(claim_median / 60)} 分钟",
        f"办结用时：中位 {round(resolves[0] / 60)} 分钟",
        "逐级上报："
        + "、".join(f"至{label} {levels.count(label)}" for label in sorted(set(levels))),
    ]


async def test_stats_figures_match_the_rows_and_a_chart_follows(world: World) -> None:
    day = await a_day_of_work(world)
    admin = day["admin"]
    text = await say(world, admin["id"], admin["id"], f"/stats {TOWN} 今天")
    assert text["text"].startswith("📊 平谷区 › ")
    for line in await expected_lines(world, TOWN):
        assert line in text["text"], line
    chart = await world.client.wait_for(
        admin["id"], lambda m: m["photo"], contains="每日新登记工单"
    )
    photo = stored(world, admin["id"], chart["message_id"]).photo[-1]
    assert file_bytes(world, photo["file_id"]).startswith(b"\x89PNG")


async def test_export_sends_a_bom_csv_with_one_row_per_ticket(world: World) -> None:
    day = await a_day_of_work(world)
    admin = day["admin"]
    await world.client.send_message(admin["id"], admin["id"], f"/export {TOWN} 本周")
    sent = await world.client.wait_for(admin["id"], lambda m: m["document"] is not None)
    assert sent["document"].endswith(".csv") and "共 3 件" in sent["caption"]
    document = stored(world, admin["id"], sent["message_id"]).document
    data = file_bytes(world, document["file_id"])
    assert data.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [row["类别"] for row in rows] == ["报修", "环境秩序", "安全隐患"]
    assert rows[0]["评价"] == "满意" and rows[0]["状态"] == "已关闭"
    assert {row["反映人"] for row in rows} == {"王**"}  # a town admin sees residents masked


async def test_a_worker_sees_only_their_grid(world: World) -> None:
    day = await a_day_of_work(world)
    worker = day["worker"]
    own = await say(world, worker["id"], worker["id"], "/stats")
    await world.client.wait_for(worker["id"], lambda m: m["photo"])  # the chart follows
    assert own["text"].startswith("📊 平谷区 › ") and "工单 3 件" in own["text"]
    async with world.db() as session:
        grid = (
            await session.execute(select(Node).where(Node.code == "PG-01-001-01"))
        ).scalar_one()
    assert own["text"].splitlines()[0].endswith(grid.name)
    refused = await say(world, worker["id"], worker["id"], f"/stats {TOWN}")
    assert refused["text"] == f"{TOWN} 不在您负责的范围内。"
    bad = await say(world, worker["id"], worker["id"], "/stats 2026-13-01..2026-13-02")
    assert bad["text"].startswith("日期无效。时间段可写：今天、本周、本月")
    resident = await world.client.create_user("路人")
    await world.client.start_private(resident["id"])
    await world.client.wait_for(resident["id"], contains="您好")
    nobody = await say(world, resident["id"], resident["id"], "/stats")
    assert "仅向网格员、管理员和区级干部开放" in nobody["text"]
    in_group = await say(world, day["chat"]["id"], worker["id"], "/stats")
    assert "请在与机器人的私聊中使用 /stats" in in_group["text"]


async def test_the_daily_digest_is_sent_once_across_restarts(world: World) -> None:
    day = await a_day_of_work(world)
    admin = day["admin"]
    assert world.runtime is not None
    assert await world.runtime.digest_once() == 0  # 17:40 in Beijing: not yet
    world.clock.advance(timedelta(hours=1))  # past 18:00
    await world.stop()
    await world.start()  # the digest missed while the bot was down goes out at start
    digest = await world.client.wait_for(admin["id"], contains="日报")
    assert "今日新登记工单 3 件" in digest["text"]
    await world.stop()
    await world.start()
    assert world.runtime is not None
    assert await world.runtime.digest_once() == 0
    await asyncio.sleep(0.5)
    digests = [m for m in await world.client.bot_messages(admin["id"]) if "日报" in m["text"]]
    assert len(digests) == 1
    worker_chat = await world.client.bot_messages(WORKER1)
    assert not [m for m in worker_chat if "日报" in (m["text"] or "")]
