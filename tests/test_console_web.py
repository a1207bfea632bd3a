"""The web console's foundation through aiohttp's test client, on SQLite and PostgreSQL:
logging in with a one-time link, the session cookie, logging out, CSRF, scopes and escaping."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from console.auditing import audit_as
from console.context import COOKIE, db
from console.pages import require_covers
from core.clock import FakeClock
from models.audit import AuditEntry
from models.people import Person
from models.tree_service import node_by_code
from tests.support.console import (
    console_client,
    console_settings,
    link_for,
    log_in,
    small_district,
)

Factory = async_sessionmaker[AsyncSession]


@pytest.fixture
async def factory(session_factory: Factory) -> Factory:
    await small_district(session_factory)
    return session_factory


async def test_a_visitor_without_a_login_is_sent_to_ask_the_bot(factory: Factory) -> None:
    async with console_client(factory, FakeClock()) as client:
        response = await client.get("/", allow_redirects=False)
        assert (response.status, response.headers["Location"]) == (303, "/login")
        landing = await client.get("/")
        assert "请通过机器人获取登录链接" in await landing.text()
        assert "/console" in await landing.text()


async def test_a_link_logs_in_with_a_strict_http_only_cookie(factory: Factory) -> None:
    clock = FakeClock()
    token = await link_for(factory, clock, "C0001")
    async with console_client(factory, clock) as client:
        confirm = await client.get(f"/login/{token}")  # a link preview fetches only this
        assert confirm.status == 200 and "登录" in await confirm.text()
        used = await client.post(f"/login/{token}", allow_redirects=False)
        assert (used.status, used.headers["Location"]) == (303, "/")
        cookie = used.cookies[COOKIE]
        assert cookie["httponly"] and cookie["samesite"] == "Strict" and not cookie["secure"]
        overview = await (await client.get("/")).text()  # 总览 of their own community
    assert "<h1>总览</h1>" in overview and "李强：社区管理员（府前社区）" in overview
    assert "<h2>平谷区 › 滨河街道 › 府前社区 · " in overview


async def test_behind_https_the_cookie_is_secure(factory: Factory) -> None:
    clock = FakeClock()
    token = await link_for(factory, clock, "T0001")
    settings = console_settings("https://console.example.org")
    async with console_client(factory, clock, settings) as client:
        used = await client.post(f"/login/{token}", allow_redirects=False)
    assert used.cookies[COOKIE]["secure"]


async def test_a_link_works_once(factory: Factory) -> None:
    clock = FakeClock()
    token = await link_for(factory, clock, "W0001")
    async with console_client(factory, clock) as client:
        await client.post(f"/login/{token}")
        again = await client.get(f"/login/{token}")
        assert again.status == 410 and "已经使用过" in await again.text()
        second = await client.post(f"/login/{token}", allow_redirects=False)
        assert second.status == 410 and COOKIE not in second.cookies


async def test_an_expired_or_unknown_link_says_which(factory: Factory) -> None:
    clock = FakeClock()
    token = await link_for(factory, clock, "W0001")
    clock.advance(timedelta(minutes=11))
    async with console_client(factory, clock) as client:
        expired = await client.get(f"/login/{token}")
        assert expired.status == 410 and "已过期" in await expired.text()
        unknown = await client.post("/login/not-a-real-link", allow_redirects=False)
        assert unknown.status == 404 and "无效" in await unknown.text()
        assert (await client.get("/", allow_redirects=False)).status == 303


async def test_a_login_ends_after_eight_idle_hours(factory: Factory) -> None:
    clock = FakeClock()
    async with console_client(factory, clock) as client:
        await log_in(client, factory, clock, "T0001")
        clock.advance(timedelta(hours=7, minutes=59))
        assert (await client.get("/", allow_redirects=False)).status == 200
        clock.advance(timedelta(hours=8))
        assert (await client.get("/", allow_redirects=False)).status == 303


async def test_logout_ends_the_login_and_is_audited(factory: Factory) -> None:
    clock = FakeClock()
    async with console_client(factory, clock) as client:
        csrf = await log_in(client, factory, clock, "T0001")
        out = await client.post("/logout", data={"_csrf": csrf}, allow_redirects=False)
        assert (out.status, out.headers["Location"]) == (303, "/login?out=1")
        assert (await client.get("/", allow_redirects=False)).status == 303
    assert await audited(factory) == [
        ("T0001", "console:login", "ok"),
        ("T0001", "console:POST /logout", "ok"),
    ]


async def test_a_post_without_the_csrf_token_is_refused(factory: Factory) -> None:
    clock = FakeClock()
    async with console_client(factory, clock) as client:
        csrf = await log_in(client, factory, clock, "T0001")
        for form in ({}, {"_csrf": "forged"}):
            refused = await client.post("/logout", data=form)
            assert refused.status == 403 and "安全校验未通过" in await refused.text()
        header = await client.post("/logout", headers={"X-CSRF-Token": "forged"})
        assert header.status == 403
        assert (await client.get("/", allow_redirects=False)).status == 200  # still logged in
        by_header = await client.post(
            "/logout", headers={"X-CSRF-Token": csrf}, allow_redirects=False
        )
        assert by_header.status == 303
    refusals = [row for row in await audited(factory) if row[2] != "ok"]
    assert refusals == [("T0001", "console:POST /logout", "refused:csrf")] * 3


async def test_a_name_with_markup_shows_as_text(factory: Factory) -> None:
    async with factory() as session:
        admin = (await session.execute(select(Person).where(Person.key == "C0001"))).scalar_one()
        admin.name = "<script>alert(1)</script>"
        await session.commit()
    clock = FakeClock()
    async with console_client(factory, clock) as client:
        await log_in(client, factory, clock, "C0001")
        home = await (await client.get("/")).text()
    assert "<script>alert(1)</script>" not in home
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in home


async def test_pages_carry_security_headers_and_unknown_ones_are_404(factory: Factory) -> None:
    clock = FakeClock()
    async with console_client(factory, clock) as client:
        await log_in(client, factory, clock, "T0001")
        home = await client.get("/")
        missing = await client.get("/no/such/page")
        missing_text = await missing.text()
        style = await client.get("/static/console.css")
    assert home.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert home.headers["X-Frame-Options"] == "DENY"
    assert home.headers["Cache-Control"] == "no-store"
    assert missing.status == 404 and "页面不存在" in missing_text
    assert style.status == 200 and "no-store" not in style.headers.get("Cache-Control", "")


# --- what page modules build on: the scope check and the audit of their actions ---------------

nodes = web.RouteTableDef()


@nodes.get("/test/nodes/{code}")
async def node_page(request: web.Request) -> web.Response:
    node = require_covers(request, await node_by_code(db(request), request.match_info["code"]))
    return web.Response(text=node.name)


@nodes.post("/test/nodes/{code}/note")
async def note_on_node(request: web.Request) -> web.Response:
    audit_as(request, "note", request.match_info["code"])
    require_covers(request, await node_by_code(db(request), request.match_info["code"]))
    return web.Response(text="noted")


async def test_a_community_admin_sees_only_their_community(factory: Factory) -> None:
    clock = FakeClock()
    async with console_client(factory, clock, extra=nodes) as client:
        csrf = await log_in(client, factory, clock, "C0001")  # PG-01-001
        assert (await client.get("/test/nodes/PG-01-001-02")).status == 200
        other = await client.get("/test/nodes/PG-01-002")
        assert other.status == 403 and "PG-01-002 不在您负责的范围内" in await other.text()
        above = await client.get("/test/nodes/PG-01")
        assert above.status == 403
        await client.post("/test/nodes/PG-01-001-01/note", data={"_csrf": csrf})
        await client.post("/test/nodes/PG-02/note", data={"_csrf": csrf})
    assert (await audited(factory))[1:] == [
        ("C0001", "console:note", "ok"),
        ("C0001", "console:note", "refused:scope"),
    ]


async def audited(factory: Factory) -> list[tuple[str | None, str, str]]:
    async with factory() as session:
        rows = await session.execute(
            select(Person.key, AuditEntry.command, AuditEntry.outcome)
            .join(Person, col(Person.id) == AuditEntry.person_id)
            .order_by(col(AuditEntry.id))
        )
        return [(key, command, outcome) for key, command, outcome in rows.all()]
