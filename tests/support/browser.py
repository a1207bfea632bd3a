"""Debian's chromium, driven by Playwright for Python, for the console's browser tests.

Nothing is downloaded: Playwright starts the system browser (`executable_path`), headless. The
browser finds the Chinese glyphs in the Noto Sans CJK font the charts already use (the
`cvttf-NotoSansCJK-Regular` package), added to the system fonts through a fontconfig file of
its own, so screenshots are readable on a server without CJK fonts.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import cvttf_NotoSansCJK_Regular as noto
from playwright.async_api import Browser, Page, ViewportSize, async_playwright, expect

from tests.support.console import link_for
from tests.support.live_console import LiveConsole

# Debian's chromium (/usr/bin/chromium), or the browser GRIDBOT_TEST_CHROMIUM names.
CHROMIUM = Path(
    os.environ.get("GRIDBOT_TEST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
)
SCREENSHOTS = Path(__file__).resolve().parent.parent / "browser" / "screenshots"
DESKTOP: ViewportSize = {"width": 1366, "height": 768}
PHONE: ViewportSize = {"width": 390, "height": 844}  # a common phone's CSS pixels
WHO = "T0001"  # 郭志强, 滨河街道's admin: the tests' person

FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <dir>{fonts}</dir>
  <cachedir>{cache}</cachedir>
</fontconfig>
"""


def missing_browser() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not CHROMIUM.exists():
        return f"no chromium at {CHROMIUM} (apt-get install chromium)"
    return None


def fontconfig(folder: Path) -> Path:
    """A fontconfig file: the system's fonts plus Noto Sans CJK."""
    folder.mkdir(parents=True, exist_ok=True)
    conf = folder / "fonts.conf"
    fonts = Path(noto.__file__).parent
    conf.write_text(FONTS_CONF.format(fonts=fonts, cache=folder / "cache"), encoding="utf-8")
    return conf


@asynccontextmanager
async def chromium(scratch: Path) -> AsyncIterator[Browser]:
    env: dict[str, str | float | bool] = {**os.environ}
    env["FONTCONFIG_FILE"] = str(fontconfig(scratch / "fontconfig"))
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, env=env
        )
        try:
            yield browser
        finally:
            await browser.close()


async def shoot(page: Page, folder: str, name: str) -> Path:
    """A full-page screenshot as tests/browser/screenshots/<folder>/<name>.png."""
    path = SCREENSHOTS / folder / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=path, full_page=True)
    return path


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
