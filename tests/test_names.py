"""Residents in groups are named by a masked form (#11, item 10)."""

from __future__ import annotations

from core.names import masked_name
from templates import render


def test_a_name_keeps_only_its_first_character() -> None:
    assert masked_name("王秀英") == "王**"
    assert masked_name("欧阳 娜娜") == "欧**"
    assert masked_name(" Li Wei ") == "L**"
    assert masked_name("王") == "王**"


def test_no_name_is_a_resident() -> None:
    assert masked_name("") == masked_name("  ") == masked_name(None) == "居民"


def test_templates_mask_through_one_filter_and_still_escape() -> None:
    assert render("ticket_rate", t={"id": 3}, reporter="<b>李</b>").startswith("&lt;**，")
