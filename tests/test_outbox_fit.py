"""#11 item 1: every text is made to fit the platform before it is stored for delivery."""

from __future__ import annotations

from outbox.fit import parts, shortened, visible_len
from templates import render


def test_a_text_that_fits_goes_as_one_part_without_invisible_characters() -> None:
    assert parts("<b>工单</b> #1\u200b 已登记\u202e", True) == ["<b>工单</b> #1 已登记"]


def test_a_long_list_is_split_at_line_breaks_and_loses_nothing() -> None:
    lines = [f"#{i} 待接单｜报修｜楼道灯不亮 &amp; 水管漏水" for i in range(400)]
    pieces = parts("\n".join(lines), True, limit=4096)
    assert len(pieces) > 1
    assert all(visible_len(p, True) <= 4096 for p in pieces)
    assert "\n".join(pieces).split("\n") == lines


def test_one_line_longer_than_the_limit_is_split_as_plain_text() -> None:
    line = "水" * 9000
    pieces = parts(line, False, limit=4096)
    assert "".join(pieces) == line and all(visible_len(p, False) <= 4096 for p in pieces)


def test_emoji_count_twice_as_the_platform_counts_them() -> None:
    text = "🚨" * 3000  # 3,000 characters, 6,000 UTF-16 units
    pieces = parts(text, False, limit=4096)
    assert len(pieces) == 2 and all(visible_len(p, False) <= 4096 for p in pieces)


def test_an_edit_that_cannot_be_split_is_cut_with_an_ellipsis() -> None:
    cut = shortened("<b>进度</b>" + "很长" * 3000, True, 4096)
    assert visible_len(cut, True) == 4096 and cut.endswith("…")
    assert "<b>" not in cut  # cut as plain text, so no tag is left open


def test_templates_cut_a_residents_words_but_keep_the_message() -> None:
    words = "楼上漏水" * 1000
    assert "「" + "楼上漏水" * 74 + "楼上漏…」" in render("work_log_pick", text=words)
    assert render("work_log_pick", text="漏\u200b水\u202e了").count("漏水了") == 1
