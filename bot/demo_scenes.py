"""The scripted scenes `gridbot demo` plays; later features add their scenes to SCENES."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.demo import Stage, issue_token


def heading(text: str) -> None:
    print(f"\n--- {text} ---", flush=True)


async def scene_groups_bind(stage: Stage) -> None:
    """The bot joins two grid groups; staff bind one, a resident binds the other by token."""
    client = stage.client
    grid1, grid2 = "PG-01-001-01", "PG-01-001-02"
    worker = stage.worker_of(grid1)
    w = await client.create_user(worker.name, id=worker.telegram_id)
    resident = await client.create_user("王秀英", username="wangxiuying")
    heading("网格员把机器人拉进两个网格群")
    g1 = await client.create_group("府前社区第1网格群")
    g2 = await client.create_group("府前社区第2网格群")
    for group in (g1, g2):
        await client.set_member(group["id"], w["id"], "creator")
        await client.set_member(group["id"], resident["id"], "member")
        await client.add_bot(group["id"], w["id"])
        await client.wait_for(group["id"], contains="/bind")

    heading("网格员私聊机器人，再在群里绑定网格")
    client_private = await client.start_private(w["id"])
    await client.wait_for(w["id"], contains="身份")
    del client_private
    await stage.say(g1["id"], w, f"/bind {grid1}")

    heading("普通居民试图绑定，被礼貌拒绝")
    await stage.say(g2["id"], resident, f"/bind {grid2}")

    heading("管理员发放一次性绑定码（gridbot bind-token）")
    token = await issue_token(stage, grid2)
    print(f"$ gridbot bind-token {grid2}\n{token}", flush=True)
    await stage.say(g2["id"], resident, f"/bind {token}")
    await stage.say(g2["id"], resident, f"/bind {token}")

    heading("居民扫码查看本群「身份证」")
    await stage.say(g1["id"], resident, "/whereami")

    heading("2号网格群升级为超级群，记录跟随新群")
    moved = await client.migrate(g2["id"])
    await stage.say(moved["new_chat_id"], resident, "/whereami")


Scene = Callable[[Stage], Awaitable[None]]
SCENES: list[Scene] = [scene_groups_bind]
