"""A grid worker posts to their own grid's group through the bot (/post); nobody else can."""

from __future__ import annotations

from tests.e2e.conftest import World
from tests.e2e.test_group_binding import GRID2, say
from tests.e2e.test_tickets import grid_group, staff_with_dm

WORKER2 = 930000002  # grid worker of PG-01-001-02, whose grid has no group bound yet


async def test_a_grid_worker_posts_to_their_grids_group_and_sees_it_delivered(
    world: World,
) -> None:
    worker, resident, home = await grid_group(world)
    text = "明天上午9点到11点停水，请提前储水。{{ 不是模板 }}"
    await say(world, worker["id"], worker["id"], f"/post {text}")
    posted = await world.client.wait_for(home["id"], contains="停水")
    assert posted["text"] == f"📢 1-2号楼网格 网格员黄秀英：\n{text.replace('{{', '{ {')}"
    report = await world.client.wait_for(worker["id"], contains="已完成")
    assert "送达 1，失败 0" in report["text"]
    before = len(await world.client.bot_messages(home["id"]))

    await world.client.start_private(resident["id"])
    await world.client.wait_for(resident["id"], contains="您好")
    refused = await say(world, resident["id"], resident["id"], "/post 大家好")
    assert refused["text"].startswith("只有网格员可以用 /post")
    usage = await say(world, worker["id"], worker["id"], "/post")
    assert usage["text"].startswith("用法：/post 内容")
    other = await say(world, worker["id"], worker["id"], f"/post {GRID2} 通知")
    assert other["text"] == f"{GRID2} 不是您负责的网格。"
    assert len(await world.client.bot_messages(home["id"])) == before  # refusals post nothing


async def test_a_post_to_a_grid_without_a_group_says_how_to_bind_one(world: World) -> None:
    worker = await staff_with_dm(world, WORKER2, "李娜")
    answer = await say(world, worker["id"], worker["id"], "/post 明天上午入户走访")
    assert answer["text"] == f"网格 {GRID2} 还没有绑定群。请先在网格群里发送 /bind {GRID2}。"
