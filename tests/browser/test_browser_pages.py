"""Every page of the console in Debian's chromium, at 1366×768 and at a phone's width: each
control has a label, Tab reaches every control (the skip link first), and the page never
scrolls sideways. The pages are those of the navigation bar (whatever pages have landed) plus
a ticket, the 群发 form with a community picked, and a broadcast's page; each is saved in
tests/browser/screenshots/<backend>/pages/."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page

from tests.support.browser import DESKTOP, PHONE, log_in, shoot
from tests.support.live_console import LiveConsole
from tests.support.page_checks import overflow, tab_through, unlabelled

pytestmark = pytest.mark.browser
SKIP_LINK = re.compile(r'^<a class="skip" href="#main"')


async def pages_of(page: Page, live: LiveConsole) -> list[str]:
    nav = page.get_by_role("navigation", name="主导航").get_by_role("link")
    paths = [str(await link.get_attribute("href")) for link in await nav.all()]
    return [
        *paths,
        f"/tickets/{live.world.leaks[0]}",
        "/broadcasts/new?node=PG-01-001",
        f"/broadcasts/{live.world.alert_broadcast}",
        "/login",
    ]


def slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "overview"


async def test_every_page_is_labelled_keyboard_reachable_and_fits_a_phone(
    page: Page, live: LiveConsole, backend: str
) -> None:
    await log_in(page, live)
    problems: list[str] = []
    for path in await pages_of(page, live):
        for size, where in ((DESKTOP, "desktop"), (PHONE, "phone")):
            await page.set_viewport_size(size)
            response = await page.goto(live.url + path)
            assert response is not None and response.status == 200, path
            await shoot(page, f"{backend}/pages", f"{slug(path)}-{where}")
            if (wider := await overflow(page)) > 0:
                problems.append(f"{path} ({where}): {wider}px wider than the screen")
            if where == "phone":
                continue
            problems += [f"{path}: no label: {html}" for html in await unlabelled(page)]
            order, missed = await tab_through(page)
            if not order or not SKIP_LINK.match(order[0]):
                problems.append(f"{path}: the first Tab is not 跳到正文: {order[:1]}")
            problems += [f"{path}: Tab never reaches {html}" for html in missed]
    assert problems == [], "\n".join(problems)
