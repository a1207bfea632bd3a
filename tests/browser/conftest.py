"""The console in a real browser (Debian's chromium through Playwright): every test here gets
the live console (tests/support/live_console.py) on SQLite and on PostgreSQL, and a browser
page at 1366×768. Without chromium these tests are skipped, except with CI=true, where a
missing browser fails them (.ci/run installs it)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import BrowserContext, Page, expect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.support.browser import DESKTOP, chromium, missing_browser
from tests.support.live_console import LiveConsole, live_console

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}  # as tests/conftest.py
expect.set_options(timeout=15_000)  # a loaded machine (the whole suite on every core)


@pytest.fixture
def backend(database_url: str) -> str:
    """The screenshots' folder: one per database backend."""
    return "postgresql" if database_url.startswith("postgresql") else "sqlite"


@pytest.fixture
async def live(
    session_factory: async_sessionmaker[AsyncSession], tmp_path: Path
) -> AsyncIterator[LiveConsole]:
    async with live_console(session_factory, tmp_path / "uploads") as console:
        yield console


@pytest.fixture
async def context(tmp_path: Path) -> AsyncIterator[BrowserContext]:
    reason = missing_browser()
    if reason is not None:
        if IN_CI:
            pytest.fail(reason + " (CI=true: the browser tests must run)")
        pytest.skip(reason)
    async with chromium(tmp_path) as browser:
        made = await browser.new_context(viewport=DESKTOP, locale="zh-CN")
        try:
            yield made
        finally:
            await made.close()


@pytest.fixture
async def page(context: BrowserContext) -> Page:
    made = await context.new_page()
    made.set_default_timeout(15_000)
    return made
