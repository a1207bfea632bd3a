"""The console in Debian's chromium, as 滨河街道's admin T0001 uses it: a one-time link (the
button, the page's own script, a used link, 退出登录), and the 工单 board: filter, open a
ticket, claim it, at 1366×768 and on a phone. Each page visited is saved in
tests/browser/screenshots/ (tests/support/live_console.py seeds the district and tickets).
"""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from tests.support.browser import PHONE, WHO, log_in, shoot
from tests.support.console import link_for
from tests.support.live_console import LiveConsole

pytestmark = pytest.mark.browser


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
