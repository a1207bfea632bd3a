"""The console in Debian's chromium: a 群发 composed for a community, sent now and watched to
100 % while the page polls, with the real broadcast engine sending to fake groups; and 已找到
on a missing-person alert, the engine then editing every copy and lifting its pin.
Each page visited is saved in tests/browser/screenshots/.
"""

from __future__ import annotations

import asyncio
import re

import pytest
from playwright.async_api import Page, expect
from sqlmodel import select

from models.alerts import AlertStatus, MissingAlert
from tests.support.browser import log_in, shoot
from tests.support.fake_sender import FakeMessage
from tests.support.live_console import LiveConsole

pytestmark = pytest.mark.browser


async def test_a_broadcast_to_a_community_is_watched_to_100_percent(
    page: Page, live: LiveConsole, backend: str
) -> None:
    await log_in(page, live)
    await page.get_by_role("link", name="群发", exact=True).click()
    await shoot(page, backend, "11-broadcasts")
    await page.get_by_role("link", name="新建群发").click()
    await shoot(page, backend, "12a-broadcast-new")
    await page.get_by_role("link", name="滨河街道").click()  # the tree picker, a level down
    await shoot(page, backend, "12b-broadcast-town")
    await page.get_by_role("link", name="府前社区").click()
    await expect(page.get_by_text("已选择：府前社区")).to_be_visible()
    text = page.get_by_label("内容（投票时为题目）")
    await text.fill("{{ group.name }}：明天上午9点停水，请提前储水。")
    preview = page.locator("#desk-preview")  # the page's script previews while one types
    await expect(preview).to_contain_text("1-2号楼网格群：明天上午9点停水")
    await expect(preview).to_contain_text("3-6号楼网格群：明天上午9点停水")
    await shoot(page, backend, "12c-broadcast-compose")

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
    # the per-child table and the cancel button refresh with it, still without a reload
    await expect(page.get_by_role("button", name="取消这条群发")).to_have_count(0)
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
