"""The console as a person uses it, in Debian's chromium: a one-time link, the 工单 board
(filter, open, claim), a 群发 to a community watched to 100 % while the page polls, and
已找到 on a missing-person alert. Each page visited is saved in tests/browser/screenshots/.

滨河街道's admin T0001 (PG-01) is logged in; tests/support/live_console.py seeds the tickets
and the alert, and runs the broadcast engine that sends (and edits) the copies.
"""

from __future__ import annotations

import asyncio
import re

import pytest
from playwright.async_api import Page, expect
from sqlmodel import select

from models.alerts import AlertStatus, MissingAlert
from tests.support.browser import PHONE, shoot
from tests.support.console import link_for
from tests.support.fake_sender import FakeMessage
from tests.support.live_console import LiveConsole

pytestmark = pytest.mark.browser
WHO = "T0001"  # 郭志强, 滨河街道's admin


async def log_in(page: Page, live: LiveConsole, shots: str = "") -> None:
    """Open a fresh link and press 登录 (the page's script, which would press it, is held
    back so the button itself is tested); lands on 总览."""
    token = await link_for(live.factory, live.clock, WHO)
    await page.route("**/static/console.js", lambda route: route.abort())
    await page.goto(f"{live.url}/login/{token}")
    await page.unroute("**/static/console.js")
    await expect(page.get_by_role("heading", name="登录网格治理控制台")).to_be_visible()
    if shots:
        await shoot(page, shots, "01-login-link")
    await page.get_by_role("button", name="登录").click()
    await page.wait_for_url(f"{live.url}/")
    await expect(page.get_by_role("button", name="退出登录")).to_be_visible()


async def test_a_one_time_link_logs_in_once_and_out_again(
    page: Page, live: LiveConsole, backend: str
) -> None:
    await log_in(page, live, backend)
    await expect(page.locator("header")).to_contain_text("郭志强")
    await shoot(page, backend, "02-overview")
    await page.get_by_role("button", name="退出登录").click()
    await page.wait_for_url(re.compile(r"/login\?out=1$"))
    await shoot(page, backend, "03-logged-out")
    # A link opened as it comes from the bot: the page's script presses 登录 by itself.
    token = await link_for(live.factory, live.clock, WHO)
    await page.goto(f"{live.url}/login/{token}")
    await page.wait_for_url(f"{live.url}/")
    await expect(page.get_by_role("button", name="退出登录")).to_be_visible()
    used = await page.goto(f"{live.url}/login/{token}")  # the same link again
    assert used is not None and used.status == 410
    await shoot(page, backend, "04-link-used")


async def test_filter_the_tickets_open_one_and_claim_it(
    page: Page, live: LiveConsole, backend: str
) -> None:
    first, second, lamp = live.world.leaks
    await log_in(page, live)
    await page.get_by_role("link", name="工单", exact=True).click()
    await expect(page.get_by_role("heading", name="工单")).to_be_visible()
    await shoot(page, backend, "05-tickets")
    await page.get_by_label("类别").select_option(label="报修")
    await page.get_by_label("搜索").fill("漏水")
    await page.get_by_role("button", name="筛选").click()
    await page.wait_for_url(re.compile(r"category=repair"))
    rows = page.locator("table.list tbody tr")
    await expect(rows).to_have_count(2)
    await expect(page.get_by_text("共 2 条工单")).to_be_visible()
    for shown, number in ((True, first), (True, second), (False, lamp)):
        link = page.get_by_role("link", name=f"#{number}", exact=True)
        await expect(link).to_have_count(1 if shown else 0)
    await expect(page.get_by_role("link", name=f"#{live.world.dispute}")).to_have_count(0)
    await shoot(page, backend, "06-tickets-filtered")

    await page.get_by_role("link", name=f"#{first}", exact=True).click()
    heading = page.get_by_role("heading", level=1)
    await expect(heading).to_have_text(f"工单 #{first} · 报修 · 待接单")
    await shoot(page, backend, "07-ticket")
    await page.get_by_role("button", name="接单").click()
    await page.wait_for_url(re.compile(rf"/tickets/{first}\?done=claim$"))
    await expect(heading).to_have_text(f"工单 #{first} · 报修 · 办理中")
    await expect(page.locator("dl.facts")).to_contain_text("郭志强")
    await expect(page.locator("table.list")).to_contain_text("接单")
    await shoot(page, backend, "08-ticket-claimed")


async def test_the_tickets_page_fits_a_desktop_and_a_phone(
    page: Page, live: LiveConsole, backend: str
) -> None:
    await log_in(page, live)
    for name, size in (("09-tickets-1366x768", None), ("10-tickets-phone", PHONE)):
        if size is not None:
            await page.set_viewport_size(size)
        await page.goto(f"{live.url}/tickets")
        await expect(page.get_by_role("button", name="筛选")).to_be_visible()
        await shoot(page, backend, name)
        overflow = await page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name}: the page is {overflow}px wider than the screen"


async def test_a_broadcast_to_a_community_is_watched_to_100_percent(
    page: Page, live: LiveConsole, backend: str
) -> None:
    await log_in(page, live)
    await page.get_by_role("link", name="群发", exact=True).click()
    await shoot(page, backend, "11-broadcasts")
    await page.get_by_role("link", name="新建群发").click()
    await page.get_by_role("link", name="滨河街道").click()  # the tree picker, a level down
    await page.get_by_role("link", name="府前社区").click()
    await expect(page.get_by_text("已选择：府前社区")).to_be_visible()
    text = page.get_by_label("内容（投票时为题目）")
    await text.fill("{{ group.name }}：明天上午9点停水，请提前储水。")
    preview = page.locator("#desk-preview")  # the page's script previews while one types
    await expect(preview).to_contain_text("1-2号楼网格群：明天上午9点停水")
    await expect(preview).to_contain_text("3-6号楼网格群：明天上午9点停水")
    await shoot(page, backend, "12-broadcast-compose")

    live.hold()  # the copies wait: the page first shows the broadcast under way
    await page.get_by_label("立即发送").check()
    await page.get_by_role("button", name="发送", exact=True).click()
    await page.wait_for_url(re.compile(r"/broadcasts/\d+$"))
    progress = page.locator("[data-refresh]")
    await expect(progress).to_contain_text("共 2 个群")
    await expect(progress).not_to_contain_text("100%")
    await shoot(page, backend, "13-broadcast-sending")
    live.release()
    # No reload: the page fetches its progress every few seconds by itself.
    await expect(progress).to_contain_text("100%", timeout=20_000)
    await expect(progress).to_contain_text("送达 2，失败 0")
    await shoot(page, backend, "14-broadcast-done")
    await page.reload()  # the per-child table is drawn with the page
    delivered = page.get_by_role("row", name=re.compile("PG-01-001-0[12]"))
    await expect(delivered).to_have_count(2)
    for n in range(2):
        await expect(delivered.nth(n).get_by_role("cell").nth(2)).to_have_text("1")
    texts = [m.text for chat in live.sender.sent.values() for m in chat]
    assert "1-2号楼网格群：明天上午9点停水，请提前储水。" in texts
    assert "3-6号楼网格群：明天上午9点停水，请提前储水。" in texts
    await page.get_by_role("link", name="返回群发列表").click()
    await expect(page.locator("#desk-rows")).to_contain_text("已完成")
    await shoot(page, backend, "15-broadcasts-after")


async def test_an_alert_is_marked_found(page: Page, live: LiveConsole, backend: str) -> None:
    number = live.world.alert
    await copies_sent(live, 4, pinned=True)  # to 滨河街道's four groups when it was confirmed
    await log_in(page, live)
    await page.get_by_role("link", name="寻人", exact=True).click()
    card = page.locator("section.alert-card", has_text=f"工单 #{number}")
    await expect(card).to_contain_text("我父亲走失了")
    await expect(card).to_contain_text("4 / 4 个群")
    await shoot(page, backend, "16-alerts")
    await card.get_by_label("找到的情况（可不填）").fill("在公园找到，已回家")
    await card.get_by_role("button", name="已找到").click()
    await page.wait_for_url(re.compile(rf"/alerts\?done=found&n={number}&copies=4$"))
    await expect(page.get_by_role("status")).to_contain_text(f"工单 #{number} 已标记为已找到")
    await expect(page.locator("section.alert-card")).to_have_count(0)
    found = page.get_by_role("table").get_by_role("link", name=f"#{number}", exact=True)
    await expect(found).to_be_visible()
    await shoot(page, backend, "17-alert-found")
    assert await alert_status(live, number) == AlertStatus.found
    await copies_sent(live, 4, containing="已找到", pinned=False)  # every copy, by the engine


async def copies_sent(
    live: LiveConsole, count: int, containing: str = "走失", pinned: bool | None = None
) -> list[FakeMessage]:
    """The copies in the fake groups whose text has `containing` (and pinned or not, if
    given), once there are `count` of them: the engine sends while the test goes on."""
    for _ in range(200):
        copies = [
            m
            for chat in live.sender.sent.values()
            for m in chat
            if not m.deleted and containing in (m.text or "") and pinned in (None, m.pinned)
        ]
        if len(copies) >= count:
            return copies
        await asyncio.sleep(0.1)
    raise AssertionError(f"{len(copies)} copies with {containing!r}, not {count}")


async def alert_status(live: LiveConsole, number: int) -> AlertStatus:
    async with live.factory() as session:
        found = await session.execute(select(MissingAlert).where(MissingAlert.ticket_id == number))
        return found.scalar_one().status
