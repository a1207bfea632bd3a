"""The console's 寻人 page through aiohttp's test client, on SQLite and PostgreSQL: the active
alerts of a subtree, 最新情况 and 已找到 through the chat's alert actions (the same outbox
rows), the engine woken after the commit, scopes, CSRF and escaping."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from core.clock import FakeClock
from core.db import session_scope
from core.vocabulary import Category, Priority
from models.access import load_person_actor
from models.audit import AuditEntry
from models.broadcasts import Broadcast, BroadcastDelivery, DeliveryStatus, EditMode
from models.groups import Group
from models.outgoing import OutgoingMessage
from models.tree import Level
from models.tree_service import node_by_code
from tests.support.console import GRID, console_client, console_settings, log_in, person_id
from tests.support.console import small_district as small_district
from tests.test_console_desk import RecordedHooks
from tests.test_ticket_board import place
from tickets.alert_texts import texts_for
from tickets.alerts import confirm_alert

Factory = async_sessionmaker[AsyncSession]
GROUP_CHAT = -100777  # the reporter's group, on GRID
TOWN_CHAT = -100778  # another community of the same town
OTHER_TOWN_CHAT = -100779  # another town: the alert does not go there
FATHER = "我父亲走失了，穿蓝色外套，78岁"


@pytest.fixture
async def factory(session_factory: Factory) -> Factory:
    await small_district(session_factory)
    async with session_scope(session_factory) as s:
        for chat, code in (
            (GROUP_CHAT, GRID),
            (TOWN_CHAT, "PG-01-002-01"),
            (OTHER_TOWN_CHAT, "PG-02-001-01"),
        ):
            node = await node_by_code(s, code)
            assert node is not None
            s.add(Group(chat_id=chat, title=f"{code} 群", node_id=node.id))
            await s.flush()  # the reporter's group first: place() takes the first group
    return session_factory


async def alerted(factory: Factory, clock: FakeClock, text: str = FATHER) -> int:
    """A missing-person ticket on GRID reported 2 hours ago, its alert confirmed to the town by
    the grid's worker, every copy delivered (as the engine would have)."""
    reported = clock.now() - timedelta(hours=2)
    async with session_scope(factory) as s:
        number = await place(
            s, GRID, text, reported, category=Category.MISSING_PERSON, priority=Priority.URGENT
        )
        worker = await load_person_actor(s, await person_id(factory, "W0001"))
        texts = texts_for(console_settings())
        done = await confirm_alert(s, number, worker, Level.town, texts, reported)
        assert done.broadcast is not None
        await s.execute(
            update(BroadcastDelivery)
            .where(col(BroadcastDelivery.broadcast_id) == done.broadcast.id)
            .values(status=DeliveryStatus.delivered)
        )
    return number


async def edits(factory: Factory, number: int) -> list[tuple[EditMode | None, list[int]]]:
    """The edit broadcasts of ticket `number`'s alert, each with the chats it will edit."""
    async with factory() as s:
        rows = await s.execute(
            select(Broadcast)
            .where(Broadcast.ticket_id == number, col(Broadcast.source_id).is_not(None))
            .order_by(col(Broadcast.id))
        )
        found = []
        for b in rows.scalars():
            chats = await s.execute(
                select(BroadcastDelivery.chat_id).where(BroadcastDelivery.broadcast_id == b.id)
            )
            found.append((b.edit_mode, sorted(chats.scalars())))
        return found


async def group_lines(factory: Factory) -> list[str]:
    async with factory() as s:
        rows = await s.execute(
            select(OutgoingMessage.text).where(OutgoingMessage.chat_id == GROUP_CHAT)
        )
        return [t or "" for t in rows.scalars()]


async def post(client: Any, path: str, csrf: str, **form: str) -> Any:
    return await client.post(path, data={"_csrf": csrf, **form}, allow_redirects=False)


@pytest.mark.parametrize("key", ["D0001", "C0001"])
async def test_the_page_shows_copies_time_and_the_latest_news(factory: Factory, key: str) -> None:
    clock = FakeClock()
    number = await alerted(factory, clock)
    async with console_client(factory, clock) as client:
        await log_in(client, factory, clock, key)
        text = await (await client.get("/alerts")).text()
    assert 'aria-current="page">寻人</a>' in text
    assert f'href="/tickets/{number}"' in text
    assert "2 / 2 个群" in text  # the reporter's group and the town's other group
    assert "已过 2 小时" in text and "最新情况</dt><dd>暂无" in text
    assert "最近没有已找到的记录" in text


async def test_an_update_is_queued_for_every_copy_and_wakes_the_engine(
    factory: Factory,
) -> None:
    clock, hooks = FakeClock(), RecordedHooks()
    number = await alerted(factory, clock)
    async with console_client(factory, clock, hooks=hooks) as client:
        csrf = await log_in(client, factory, clock, "T0001")
        response = await post(client, f"/alerts/{number}/update", csrf, text=" 有人在 汽车站见过 ")
        assert response.status == 303
        page = await (await client.get(response.headers["Location"])).text()
    assert await edits(factory, number) == [(EditMode.update, sorted([GROUP_CHAT, TOWN_CHAT]))]
    async with factory() as s:
        edit_ids = await s.execute(
            select(Broadcast.id).where(col(Broadcast.source_id).is_not(None))
        )
    assert hooks.calls == [("sent", id_, None) for id_ in edit_ids.scalars()]
    assert f"工单 #{number} 的最新情况已保存" in page and "2 个群的启事将加上这条最新情况" in page
    assert "有人在 汽车站见过" in page  # the 最新情况 shown on the alert
    assert "已通知" not in page


async def test_an_empty_update_is_worded_and_sends_nothing(factory: Factory) -> None:
    clock, hooks = FakeClock(), RecordedHooks()
    number = await alerted(factory, clock)
    async with console_client(factory, clock, hooks=hooks) as client:
        csrf = await log_in(client, factory, clock, "C0001")
        response = await post(client, f"/alerts/{number}/update", csrf, text="   ")
        page = await (await client.get(response.headers["Location"])).text()
    assert "请填写最新情况后再提交" in page
    assert await edits(factory, number) == [] and hooks.calls == []


async def test_found_edits_every_copy_tells_the_group_and_a_second_time_is_refused(
    factory: Factory,
) -> None:
    clock, hooks = FakeClock(), RecordedHooks()
    number = await alerted(factory, clock)
    async with console_client(factory, clock, hooks=hooks) as client:
        csrf = await log_in(client, factory, clock, "C0001")
        first = await post(client, f"/alerts/{number}/found", csrf, text="在公园找到")
        done = await (await client.get(first.headers["Location"])).text()
        told = await group_lines(factory)
        again = await post(client, f"/alerts/{number}/found", csrf)
        refused = await (await client.get(again.headers["Location"])).text()
        update_after = await post(client, f"/alerts/{number}/update", csrf, text="又有线索")
        no_update = await (await client.get(update_after.headers["Location"])).text()
    assert [mode for mode, _chats in await edits(factory, number)] == [EditMode.found]
    assert len(hooks.calls) == 1 and hooks.calls[0][0] == "sent"
    assert sum("在公园找到" in line for line in told) == 1
    assert await group_lines(factory) == told  # no second notice
    assert "已标记为已找到" in done and "2 个群的启事将改为“已找到”" in done
    assert "正在寻找（0）" in done and f'href="/tickets/{number}">#{number}' in done
    assert "已经标记为已找到，不能再更新，也不会重复通知" in refused
    assert "已经标记为已找到" in no_update
    async with factory() as s:
        outcomes = (
            await s.execute(
                select(AuditEntry.command, AuditEntry.outcome).order_by(col(AuditEntry.id))
            )
        ).all()
    assert ("console:alert_found", "ok") in outcomes
    assert ("console:alert_found", "refused:found") in outcomes


@pytest.mark.parametrize("key", ["C0002", "T0002"])
async def test_another_subtree_is_refused_for_the_page_and_the_actions(
    factory: Factory, key: str
) -> None:
    clock, hooks = FakeClock(), RecordedHooks()
    number = await alerted(factory, clock)
    async with console_client(factory, clock, hooks=hooks) as client:
        csrf = await log_in(client, factory, clock, key)
        own = await (await client.get("/alerts")).text()
        other = await client.get("/alerts?node=PG-01-001")
        found = await post(client, f"/alerts/{number}/found", csrf)
        news = await post(client, f"/alerts/{number}/update", csrf, text="线索")
    assert f"/tickets/{number}" not in own and "目前没有正在寻找的人" in own
    assert (other.status, found.status, news.status) == (403, 403, 403)
    assert await edits(factory, number) == [] and hooks.calls == []


async def test_a_post_without_the_csrf_token_is_refused(factory: Factory) -> None:
    clock, hooks = FakeClock(), RecordedHooks()
    number = await alerted(factory, clock)
    async with console_client(factory, clock, hooks=hooks) as client:
        await log_in(client, factory, clock, "C0001")
        response = await client.post(f"/alerts/{number}/found", data={}, allow_redirects=False)
        text = await response.text()
    assert response.status == 403 and "安全校验未通过" in text
    assert await edits(factory, number) == [] and hooks.calls == []


async def test_a_script_in_the_report_or_the_news_is_shown_as_text(factory: Factory) -> None:
    clock = FakeClock()
    number = await alerted(factory, clock, "<script>alert(1)</script>我父亲走失了")
    async with console_client(factory, clock) as client:
        csrf = await log_in(client, factory, clock, "C0001")
        await post(client, f"/alerts/{number}/update", csrf, text="<script>x()</script>")
        text = await (await client.get("/alerts")).text()
    assert "<script>alert" not in text and "<script>x" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "&lt;script&gt;x()&lt;/script&gt;" in text
