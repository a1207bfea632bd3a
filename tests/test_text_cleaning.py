"""#11 item 12: hidden characters and disguised phone numbers."""

from __future__ import annotations

from classify import default_classifier, mask_phones
from core.text import clean, quotation


def test_zero_width_bidi_and_control_characters_are_removed_but_emoji_stay_whole() -> None:
    assert clean("漏\u200b水\u200d了\u202e\u2066！\x07\r\n好") == "漏水了！\n好"
    family = "👨\u200d👩\u200d👧"
    assert clean(f"{family}\ufeff") == family


def test_a_quotation_is_cleaned_then_cut_to_its_length() -> None:
    assert quotation("水" * 301) == "水" * 299 + "…"
    assert quotation("水\u200b" * 300) == "水" * 300


def test_phones_are_masked_whatever_separates_or_disguises_the_digits() -> None:
    assert mask_phones("电话138.1234.5678") == "电话138.****.5678"
    assert mask_phones("电话138\u200b1234\u200b5678") == "电话138****5678"
    assert mask_phones("电话１３８－１２３４－５６７８") == "电话138-****-5678"
    assert mask_phones("＋８６ １３８１２３４５６７８") == "+86 138****5678"
    assert mask_phones("+86 138 1234 5678") == "+86 138 **** 5678"


def test_a_word_split_by_a_zero_width_space_is_still_recognised() -> None:
    assert default_classifier().classify("我家厨房漏\u200b水了").category == "repair"
