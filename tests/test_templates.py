"""Exact texts people read: rendered templates, escaped for HTML parse mode."""

from __future__ import annotations

from types import SimpleNamespace

from templates import render


def test_whereami_card_for_a_bound_group() -> None:
    worker = SimpleNamespace(name="张伟", phone="13800000001", telegram_username="zhangwei")
    text = render(
        "whereami",
        path="平谷区 › 滨河街道 › 府前社区 › 第1网格",
        code="PG-01-001-01",
        workers=[worker],
    )
    assert text == (
        "📍 本群位置：平谷区 › 滨河街道 › 府前社区 › 第1网格\n"
        "网格编码：PG-01-001-01\n"
        "网格员：张伟　电话 13800000001　@zhangwei\n"
        "有事直接在群里说，网格员会及时处理。"
    )


def test_whereami_for_an_unbound_group() -> None:
    assert render("whereami", path=None) == (
        "本群还没有绑定网格。请网格员发送 /bind 网格编码 完成绑定。"
    )


def test_bind_done_lists_workers_and_escapes_html() -> None:
    workers = [SimpleNamespace(name="张<b>伟"), SimpleNamespace(name="李娜")]
    text = render("bind_done", path="平谷区 › 第1网格", code="PG-01", workers=workers)
    assert text == (
        "✅ 本群已绑定到：平谷区 › 第1网格（PG-01）\n"
        "网格员：张&lt;b&gt;伟、李娜\n"
        "居民有事可以直接在群里说，发送 /whereami 可查看本群信息。"
    )


def test_start_lists_a_staff_members_roles() -> None:
    roles = [{"label": "网格员", "path": "平谷区 › 第1网格"}]
    assert render("start", name="张伟", roles=roles) == (
        "您好，张伟！我是网格服务助手。\n"
        "您的身份：\n"
        "· 网格员（平谷区 › 第1网格）\n"
        "以后网格里的事项会在这里通知您。"
    )
