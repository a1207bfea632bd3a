"""/console through the running bot: staff get a one-time link that logs their browser in;
residents and group chats are refused, as for the other staff commands."""

from __future__ import annotations

import re

from sqlmodel import col, select

from models.audit import AuditEntry
from models.people import Person
from tests.e2e.conftest import World
from tests.e2e.test_group_binding import WORKER1, say
from tests.e2e.test_tickets import staff_with_dm
from tests.support.console import console_client

LINK = re.compile(r"(http://127\.0\.0\.1:8080/login/([\w-]+))")


async def test_a_worker_gets_a_link_in_private_chat_that_logs_them_in(world: World) -> None:
    worker = await staff_with_dm(world, WORKER1, "黄秀英")
    answer = await say(world, worker["id"], worker["id"], "/console")
    assert "只能使用一次，10 分钟内有效" in answer["text"]
    found = LINK.search(answer["text"])
    assert found is not None, answer["text"]
    async with console_client(world.db, world.clock, world.settings) as browser:
        used = await browser.post(f"/login/{found.group(2)}", allow_redirects=False)
        assert used.status == 303
        home = await (await browser.get("/")).text()
        again = await browser.post(f"/login/{found.group(2)}", allow_redirects=False)
        assert again.status == 410
    assert "黄秀英" in home and "PG-01-001-01" in home


async def test_a_resident_is_refused_and_a_group_is_told_to_ask_in_private(
    world: World,
) -> None:
    resident = await world.client.create_user("王秀英")
    await world.client.start_private(resident["id"])
    refused = await say(world, resident["id"], resident["id"], "/console")
    assert refused["text"] == "网格治理控制台仅向网格员、管理员和区级干部开放。"

    worker = await staff_with_dm(world, WORKER1, "黄秀英")
    chat = await world.group_with_bot("第1网格群", worker)
    in_group = await say(world, chat["id"], worker["id"], "/console")
    assert in_group["text"] == "请在与机器人的私聊中使用 /console：登录链接只能私下发送。"
    assert LINK.search(in_group["text"]) is None
    async with world.db() as session:
        audited = await session.execute(
            select(Person.key, AuditEntry.command, AuditEntry.outcome)
            .join(Person, col(Person.id) == AuditEntry.person_id)
            .where(AuditEntry.command == "/console")
        )
        assert audited.all() == [("W0001", "/console", "refused:private")]
