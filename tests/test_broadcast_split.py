"""Splitting long broadcast texts at natural boundaries, in Telegram's UTF-16 units."""

from __future__ import annotations

import pytest

from broadcasts.split import CAPTION_LIMIT, plan_messages, split_text, utf16_len


def joined(parts: list[str]) -> str:
    return "".join("".join(p.split()) for p in parts)


def test_short_text_is_one_part_and_trimmed() -> None:
    assert split_text("  通知：明天停水。\n") == ["通知：明天停水。"]
    assert split_text("") == []
    assert split_text(" \n\t ") == []


def test_every_part_fits_and_nothing_is_lost() -> None:
    text = "\n\n".join(f"第{n}段。" + "居民朋友们请注意用水安全。" * 40 for n in range(30))
    parts = split_text(text)
    assert len(parts) > 1
    assert all(0 < utf16_len(p) <= 4096 for p in parts)
    assert joined(parts) == "".join(text.split())


def test_prefers_paragraph_breaks() -> None:
    paragraph = "一" * 3000
    parts = split_text(f"{paragraph}\n\n{paragraph}\n\n{paragraph}")
    assert parts == [paragraph, paragraph, paragraph]


def test_then_line_breaks_then_sentences() -> None:
    line = "二" * 2500
    assert split_text(f"{line}\n{line}") == [line, line]
    sentence = "三" * 2499 + "。"
    parts = split_text(sentence * 3)
    assert parts == [sentence, sentence, sentence]
    english = ("word " * 500).strip() + ". "
    parts = split_text(english * 3, limit=3000)
    assert all(p.endswith(".") for p in parts)


def test_then_spaces_then_a_hard_cut() -> None:
    words = " ".join(["abcdefg"] * 1000)
    parts = split_text(words)
    assert all(not p.startswith(" ") and not p.endswith(" ") for p in parts)
    assert all(set(p.split()) == {"abcdefg"} for p in parts)
    solid = "x" * 10000
    assert [len(p) for p in split_text(solid)] == [4096, 4096, 1808]


def test_boundaries_too_early_are_ignored() -> None:
    text = "短。\n\n" + "长" * 6000
    parts = split_text(text)
    assert utf16_len(parts[0]) == 4096  # not a 2-character first part


def test_emoji_count_two_units_and_are_never_torn() -> None:
    text = "😀" * 5000
    parts = split_text(text)
    assert [len(p) for p in parts] == [2048, 2048, 904]
    assert all(utf16_len(p) <= 4096 for p in parts)
    assert "".join(parts) == text


def test_combining_marks_zwj_sequences_and_flags_stay_whole() -> None:
    family = "👨\u200d👩\u200d👧"  # one grapheme: man ZWJ woman ZWJ girl
    text = "a" * 4090 + family + "b" * 10
    first, second = split_text(text)
    assert first == "a" * 4090 and second.startswith(family)
    accented = "a" * 4095 + "e\u0301" + "z"
    first, second = split_text(accented)
    assert first == "a" * 4095 and second == "e\u0301z"
    flags = "a" * 4093 + "🇨🇳🇨🇳"
    first, second = split_text(flags)
    assert first == "a" * 4093 and second == "🇨🇳🇨🇳"


def test_custom_limit_and_validation() -> None:
    assert split_text("甲乙丙丁戊", limit=2) == ["甲乙", "丙丁", "戊"]
    with pytest.raises(ValueError):
        split_text("x", limit=1)


def test_plan_with_photo_puts_the_first_part_in_the_caption() -> None:
    caption, texts = plan_messages("配图通知", photo=True)
    assert caption == "配图通知" and texts == []
    long = "四" * 3000
    caption, texts = plan_messages(long, photo=True)
    assert caption is not None and utf16_len(caption) == CAPTION_LIMIT
    assert texts == ["四" * (3000 - CAPTION_LIMIT)]
    assert plan_messages("", photo=True) == (None, [])
    assert plan_messages("文字", photo=False) == (None, ["文字"])
