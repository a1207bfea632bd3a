"""The residents' side of bench/reply_latency.py: who posts which report, in which group, when.

Each group gets the bot as a member, its grid worker as a user (the bot's DMs go there once
they /start) and RESIDENTS_PER_GROUP residents. Report n goes to group n % groups, from one of
its residents in turn, with text TEXTS[n % len(TEXTS)] and a building number that makes it
unique; every text is one the classifier takes as a case (check with `gridbot classify`), none a
missing person (whose alerts would send more). `steady` posts at a fixed rate whatever the
bot's answers (open loop); `burst` posts as fast as the emulator's control API takes them.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from emulator import EmulatorClient

RESIDENTS_PER_GROUP = 3
TEXTS = (  # each opened (`gridbot classify`: action open, not review); none a missing person
    "我家厨房水管漏水了，楼下都湿了", "楼道的灯坏了好几天了", "卫生间下水道堵了，水排不下去",
    "家里突然停电了，空调冰箱都用不了", "电梯又坏了，老人上下楼很困难", "暖气不热，家里才十几度",
    "小区门口垃圾堆了三天没人清", "楼下有人乱倒建筑垃圾", "污水井冒水，整条路都是臭味",
    "绿化带里死了一只猫，味道很大", "楼上装修噪音太大，晚上十点还在砸墙",
    "邻居把鞋柜纸箱堆满了楼道，说了也不听", "对门养的狗天天半夜叫，吵得睡不着",
    "独居老人王大爷好几天没出门了，想请社区去看看", "我妈腿脚不便，想申请上门送餐",
    "家里老人想办高龄补贴，不知道怎么办", "残疾人证到期了，想问问怎么办理续期",
    "楼道里电动车在充电，电线都拉到窗户外面了", "小区消防通道被车堵死了",
    "楼道里有很浓的烟味，好像哪家着火了", "电梯里困了人，按警铃没人应",
    "井盖丢了，晚上路过很危险", "小区墙皮大面积脱落，砸到人怎么办",
    "邻居为了停车位吵起来了，差点动手", "两家因为漏水赔偿的事闹得很僵，想请网格员调解",
)  # fmt: skip


async def populate(client: EmulatorClient, workers: dict[int, tuple[int, str]]) -> list[int]:
    """The groups with the bot in them, the workers and residents; returns resident ids."""
    residents: list[int] = []
    for chat_id, (worker, name) in workers.items():
        await client.create_group(f"网格群 {chat_id}", id=chat_id, bot_status="member")
        await client.create_user(name, id=worker)
        for n in range(RESIDENTS_PER_GROUP):
            residents.append((await client.create_user(f"居民{chat_id}-{n}"))["id"])
    return residents


@dataclass
class Post:
    """One report as the emulator accepted it."""

    chat_id: int
    message_id: int
    posted: float  # time.monotonic() before the control call
    burst: bool
    received: bool = True  # the bot was in the group, so an update was made for it


class Residents:
    """Posts report after report (numbered from 0) over the groups, in turn."""

    def __init__(self, client: EmulatorClient, chats: list[int], users: list[int]) -> None:
        self.client, self.chats, self.users, self.sent = client, chats, users, 0

    async def post(self, burst: bool) -> Post:
        n, self.sent = self.sent, self.sent + 1
        group, turn = n % len(self.chats), n // len(self.chats)
        user = self.users[group * RESIDENTS_PER_GROUP + turn % RESIDENTS_PER_GROUP]
        text = f"{TEXTS[n % len(TEXTS)]}（{n // len(TEXTS) + 1}号楼）"
        posted = time.monotonic()
        answer = await self.client.send_message(self.chats[group], user, text)
        received = answer.get("update_id") is not None
        return Post(self.chats[group], answer["message"]["message_id"], posted, burst, received)

    async def steady(self, rate: float, seconds: float) -> list[Post]:
        start, tasks = time.monotonic(), []
        for n in range(round(rate * seconds)):
            await asyncio.sleep(max(0.0, start + n / rate - time.monotonic()))
            tasks.append(asyncio.create_task(self.post(False)))
        return list(await asyncio.gather(*tasks))

    async def burst(self, count: int) -> list[Post]:
        gate = asyncio.Semaphore(16)

        async def one() -> Post:
            async with gate:
                return await self.post(True)

        return list(await asyncio.gather(*(one() for _ in range(count))))
