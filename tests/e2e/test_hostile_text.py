"""#11 items 1 and 12: long, hidden and disguised text in residents' messages."""

from __future__ import annotations

from datetime import timedelta

from tests.e2e.conftest import World
from tests.e2e.test_group_binding import say
from tests.e2e.test_tickets import COMMUNITY_ADMIN1, grid_group, staff_with_dm, tickets

LONG_REPORT = "楼道的水管漏水了" + "，水一直往下流，楼下也湿了" * 314  # 4,090 characters


async def test_a_report_of_4090_characters_reaches_the_group_the_worker_and_the_next_level(
    world: World,
) -> None:
    assert len(LONG_REPORT) == 4090
    worker, resident, chat = await grid_group(world)
    boss = await staff_with_dm(world, COMMUNITY_ADMIN1, "社区刘书记")
    reply = await say(world, chat["id"], resident["id"], LONG_REPORT)
    assert "工单 #1" in reply["text"] and "…」" in reply["text"]
    assert len(reply["text"]) < 1000  # the quote is cut, not the message
    notice = await world.client.wait_for(worker["id"], contains="新工单 #1")
    assert "…」" in notice["text"] and LONG_REPORT[:1000] in notice["text"]
    (ticket,) = await tickets(world)
    assert ticket.text == LONG_REPORT  # stored whole
    world.clock.advance(timedelta(hours=3))
    assert world.runtime is not None
    await world.runtime.sweep_once()
    escalated = await world.client.wait_for(boss["id"], contains="上报工单 #1")
    assert "…」" in escalated["text"]


async def test_zero_width_characters_neither_hide_a_case_nor_reach_the_group(
    world: World,
) -> None:
    _worker, resident, chat = await grid_group(world)
    reply = await say(world, chat["id"], resident["id"], "我家厨房漏\u200b水了\u202e，快来人看看")
    assert "工单 #1" in reply["text"]  # a case, as 漏水了 is
    assert "\u200b" not in reply["text"] and "\u202e" not in reply["text"]
    assert "漏水了，快来人看看" in reply["text"]


async def test_phone_numbers_are_masked_however_they_are_written(world: World) -> None:
    _worker, resident, chat = await grid_group(world)
    written = (
        "家里水管爆了，急！电话138.1234.5678，"
        "或者138\u200b1234\u200b5678，"
        "或者１３９１２３４５６７８，"
        "或者+86 137 1234 5678"
    )
    reply = await say(world, chat["id"], resident["id"], written)
    text = reply["text"]
    assert "138.****.5678" in text and "138****5678" in text
    assert "139****5678" in text and "+86 137 **** 5678" in text
    digits = "".join(ch if ch.isdigit() else " " for ch in text).split()
    assert not any(len(run) >= 7 for run in digits), text
