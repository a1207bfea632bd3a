"""The console's 工单 page through aiohttp's test client, on SQLite and PostgreSQL: the
filtered, paged board, its CSV, a ticket's page and the chat's staff actions taken from it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from core.clock import FakeClock
from core.db import session_scope
from core.timezone import district_zone
from core.vocabulary import Category, Priority, TicketStatus
from handlers.notices import Notifier
from models.access import load_person_actor
from models.audit import AuditEntry
from models.groups import Group
from models.outgoing import OutgoingMessage
from models.tickets import Ticket
from models.tree_service import node_by_code
from tests.support.console import (
    GRID,
    console_client,
    console_settings,
    log_in,
    person_id,
    small_district,
)
from tests.test_ticket_board import place
from tickets.policy import TicketPolicy
from tickets.staff_actions import claim_ticket

Factory = async_sessionmaker[AsyncSession]
OTHER_GRID = "PG-02-001-01"  # another town's community
GROUP_CHAT = -100777


@pytest.fixture
async def factory(session_factory: Factory) -> Factory:
    await small_district(session_factory)
    async with session_scope(session_factory) as s:
        grid = await node_by_code(s, GRID)
        assert grid is not None
        s.add(Group(chat_id=GROUP_CHAT, title="府前一网格群", node_id=grid.id))
    return session_factory


async def open_ticket(
    factory: Factory, clock: FakeClock, code: str, text: str, ago: timedelta, **kw: object
) -> int:
    async with session_scope(factory) as s:
        return await place(s, code, text, clock.now() - ago, **kw)  # type: ignore[arg-type]


def notifier(factory: Factory) -> Notifier:
    return Notifier(factory, district_zone(console_settings()))


async def outbox_after(factory: Factory, last: int) -> list[tuple[int, str]]:
    """(chat, text with ticket numbers blanked) of the outbox rows after id `last`."""
    async with factory() as s:
        rows = await s.execute(
            select(OutgoingMessage).where(col(OutgoingMessage.id) > last).order_by("id")
        )
        return [(m.chat_id, re.sub(r"#\d+", "#N", m.text or "")) for m in rows.scalars()]


async def last_outbox_id(factory: Factory) -> int:
    async with factory() as s:
        return int(await s.scalar(select(func.coalesce(func.max(OutgoingMessage.id), 0))) or 0)


def table_of(html: str) -> str:
    return html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]


async def test_the_board_lists_filters_and_pages_keeping_the_filter(factory: Factory) -> None:
    clock = FakeClock()
    leaks = [
        await open_ticket(factory, clock, GRID, f"漏水{i}", timedelta(hours=i)) for i in range(3)
    ]
    fight = await open_ticket(
        factory, clock, GRID, "楼下吵架", timedelta(hours=5),
        category=Category.DISPUTE, priority=Priority.URGENT,
    )  # fmt: skip
    async with console_client(factory, clock) as client:
        await log_in(client, factory, clock, "D0001")
        everything = table_of(await (await client.get("/tickets")).text())
        disputes = table_of(await (await client.get("/tickets?category=dispute")).text())
        first = await (await client.get("/tickets?q=漏水&size=2")).text()
        second = await (await client.get("/tickets?q=漏水&size=2&page=2")).text()
    assert all(f'href="/tickets/{n}"' in everything for n in [*leaks, fight])
    assert f"#{fight}" in disputes and "纠纷" in disputes and "紧急" in disputes
    assert not any(f"#{n}<" in disputes for n in leaks)
    assert "共 3 条工单" in first and "下一页" in first
    assert "/tickets?q=%E6%BC%8F%E6%B0%B4&amp;page=2&amp;size=2" in first
    shown = [n for n in leaks if f"#{n}<" in table_of(first) + table_of(second)]
    assert shown == leaks and "下一页" not in second


async def test_a_bad_filter_value_is_worded_next_to_the_form(factory: Factory) -> None:
    clock = FakeClock()
    async with console_client(factory, clock) as client:
        await log_in(client, factory, clock, "D0001")
        response = await client.get("/tickets?priority=asap&from=2025-13-01&page=x")
        text = await response.text()
    assert response.status == 200
    assert "紧急程度“asap”：不是可选的值" in text
    assert "登记日期从“2025-13-01”：不是日期" in text and "页码“x”：不是数字" in text


async def test_a_node_outside_the_scope_is_a_filter_error(factory: Factory) -> None:
    clock = FakeClock()
    async with console_client(factory, clock) as client:
        await log_in(client, factory, clock, "C0001")
        text = await (await client.get(f"/tickets?node={OTHER_GRID}")).text()
    assert f"节点编码“{OTHER_GRID}”：没有这个节点，或不在您负责的范围内" in text


async def test_overdue_tickets_are_marked(factory: Factory) -> None:
    clock = FakeClock()
    late = await open_ticket(
        factory, clock, GRID, "路灯不亮", timedelta(days=2),
        status=TicketStatus.new, claim_due=clock.now() - timedelta(hours=1),
    )  # fmt: skip
    async with console_client(factory, clock) as client:
        await log_in(client, factory, clock, "C0001")
        text = table_of(await (await client.get("/tickets?overdue=1")).text())
    assert f"#{late}<" in text and "超时" in text


async def test_a_residents_script_shows_as_text(factory: Factory) -> None:
    clock = FakeClock()
    number = await open_ticket(factory, clock, GRID, "<script>alert(1)</script>", timedelta(0))
    async with console_client(factory, clock) as client:
        await log_in(client, factory, clock, "C0001")
        board = await (await client.get("/tickets")).text()
        detail = await (await client.get(f"/tickets/{number}")).text()
    for html in (board, detail):
        assert "<script>alert" not in html and "&lt;script&gt;alert(1)" in html


async def test_the_csv_is_the_filtered_list_with_formulas_neutralised(factory: Factory) -> None:
    clock = FakeClock()
    await open_ticket(factory, clock, GRID, '=HYPERLINK("http://x")修好了', timedelta(hours=1))
    await open_ticket(factory, clock, OTHER_GRID, "别的镇", timedelta(hours=1))
    async with console_client(factory, clock) as client:
        await log_in(client, factory, clock, "C0001")
        response = await client.get("/tickets.csv?q=修好")
        body = (await response.read()).decode("utf-8-sig")
    assert response.status == 200 and response.headers["Content-Type"].startswith("text/csv")
    assert 'attachment; filename="tickets-' in response.headers["Content-Disposition"]
    assert "'=HYPERLINK(" in body
    assert not any(f"{edge}=HYPERLINK" in body for edge in ("\n", ",", '"'))
    assert "别的镇" not in body
    async with factory() as s:
        entries = (await s.execute(select(AuditEntry))).scalars().all()
    assert [e.args for e in entries if e.command == "console:export_tickets"] == [
        "/tickets.csv?q=%E4%BF%AE%E5%A5%BD"
    ]


async def test_a_ticket_page_shows_its_history_and_an_unknown_number_is_404(
    factory: Factory,
) -> None:
    clock = FakeClock()
    number = await open_ticket(factory, clock, GRID, "厨房漏水", timedelta(hours=1))
    async with console_client(factory, clock, writer=notifier(factory)) as client:
        csrf = await log_in(client, factory, clock, "C0001")
        await client.post(f"/tickets/{number}/note", data={"_csrf": csrf, "text": "明早上门"})
        page = await client.get(f"/tickets/{number}")
        text = await page.text()
        missing = await client.get("/tickets/999999")
        missing_text = await missing.text()
    assert page.status == 200 and "厨房漏水" in text and "备注" in text and "明早上门" in text
    assert "没有照片" in text
    assert missing.status == 404 and "没有找到工单 #999999" in missing_text


async def test_a_community_admin_gets_403_on_another_communitys_ticket(factory: Factory) -> None:
    clock = FakeClock()
    theirs = await open_ticket(factory, clock, OTHER_GRID, "别处的工单", timedelta(hours=1))
    async with console_client(factory, clock, writer=notifier(factory)) as client:
        csrf = await log_in(client, factory, clock, "C0001")
        page = await client.get(f"/tickets/{theirs}")
        page_text = await page.text()
        acted = await client.post(
            f"/tickets/{theirs}/claim", data={"_csrf": csrf}, allow_redirects=False
        )
    assert page.status == 403 and "别处的工单" not in page_text
    assert acted.headers["Location"] == f"/tickets/{theirs}?refused=forbidden"
    async with factory() as s:
        ticket = await s.get(Ticket, theirs)
        assert ticket is not None and ticket.status is TicketStatus.new


async def test_claiming_on_the_page_tells_the_group_as_the_chat_does(factory: Factory) -> None:
    clock = FakeClock()
    on_page = await open_ticket(factory, clock, GRID, "厨房漏水", timedelta(hours=1))
    in_chat = await open_ticket(factory, clock, GRID, "厨房漏水", timedelta(hours=1))
    before = await last_outbox_id(factory)
    async with console_client(factory, clock, writer=notifier(factory)) as client:
        csrf = await log_in(client, factory, clock, "C0001")
        response = await client.post(f"/tickets/{on_page}/claim", data={"_csrf": csrf})
        shown = await response.text()
    from_page = await outbox_after(factory, before)
    middle = await last_outbox_id(factory)
    async with session_scope(factory) as s:
        who = await load_person_actor(s, await person_id(factory, "C0001"))
        await claim_ticket(s, in_chat, who, clock.now(), TicketPolicy(), notifier(factory))
    assert from_page and from_page == await outbox_after(factory, middle)
    assert (GROUP_CHAT, from_page[0][1]) == from_page[0]
    assert "已接单" in shown and "办理中" in shown
    async with factory() as s:
        entries = (await s.execute(select(AuditEntry))).scalars().all()
    assert any(e.command == "console:claim" and e.args == f"#{on_page}" for e in entries)


async def test_an_action_without_the_csrf_token_is_refused(factory: Factory) -> None:
    clock = FakeClock()
    number = await open_ticket(factory, clock, GRID, "厨房漏水", timedelta(hours=1))
    before = await last_outbox_id(factory)
    async with console_client(factory, clock, writer=notifier(factory)) as client:
        await log_in(client, factory, clock, "C0001")
        response = await client.post(f"/tickets/{number}/claim", data={"text": ""})
        text = await response.text()
    assert response.status == 403 and "安全校验未通过" in text
    assert await outbox_after(factory, before) == []
    async with factory() as s:
        ticket = await s.get(Ticket, number)
        assert ticket is not None and ticket.status is TicketStatus.new


async def test_a_refused_action_is_worded_on_the_ticket_page(factory: Factory) -> None:
    clock = FakeClock()
    number = await open_ticket(
        factory, clock, GRID, "已修好", timedelta(hours=1), status=TicketStatus.closed
    )
    async with console_client(factory, clock, writer=notifier(factory)) as client:
        csrf = await log_in(client, factory, clock, "C0001")
        closed = await (await client.post(f"/tickets/{number}/claim", data={"_csrf": csrf})).text()
        empty = await (await client.post(f"/tickets/{number}/note", data={"_csrf": csrf})).text()
    assert "已办结或已关闭" in closed and "请填写内容" in empty


async def test_photos_kept_in_telegram_are_said_to_be_there_not_shown(factory: Factory) -> None:
    clock = FakeClock()
    number = await open_ticket(factory, clock, GRID, "井盖丢了", timedelta(hours=1))
    async with session_scope(factory) as s:
        ticket = await s.get(Ticket, number)
        assert ticket is not None
        ticket.photos = '["AgACAgUAAxkBAAIB", "AgACAgUAAxkBAAIC"]'
    async with console_client(factory, clock) as client:
        await log_in(client, factory, clock, "C0001")
        text = await (await client.get(f"/tickets/{number}")).text()
    assert "2 张照片，保存在 Telegram 中，控制台无法显示" in text
    assert "AgACAgUAAxkBAAIB" not in text and "<img" not in text
    assert "暂时不能在这里办理工单" in text  # no notice writer given: no action buttons


async def test_a_sortable_heading_keeps_the_filter_and_starts_at_page_one(
    factory: Factory,
) -> None:
    clock = FakeClock()
    async with console_client(factory, clock) as client:
        await log_in(client, factory, clock, "D0001")
        text = await (await client.get("/tickets?category=dispute&page=3")).text()
    assert 'href="/tickets?category=dispute&amp;sort=priority"' in text


async def test_transfer_and_done_from_the_page_change_the_ticket(factory: Factory) -> None:
    clock = FakeClock()
    number = await open_ticket(factory, clock, GRID, "路面塌陷", timedelta(hours=1))
    async with console_client(factory, clock, writer=notifier(factory)) as client:
        csrf = await log_in(client, factory, clock, "C0001")
        nowhere = await client.post(
            f"/tickets/{number}/transfer", data={"_csrf": csrf, "text": "PG-99"}
        )
        nowhere_text = await nowhere.text()
        moved = await client.post(
            f"/tickets/{number}/transfer", data={"_csrf": csrf, "text": "pg-01-001-02"}
        )
        moved_text = await moved.text()
        finished = await client.post(
            f"/tickets/{number}/done", data={"_csrf": csrf, "text": "已修"}
        )
        finished_text = await finished.text()
    assert "没有找到这个节点编码" in nowhere_text
    assert "已转办" in moved_text and "3-6号楼网格" in moved_text  # the history's 转办 line
    assert "已办结" in finished_text
    async with factory() as s:
        ticket = await s.get(Ticket, number)
        assert ticket is not None and ticket.status is TicketStatus.resolved
