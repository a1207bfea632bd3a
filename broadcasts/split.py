"""Split long texts into messages the platform accepts, at the most natural boundary.

Telegram counts a message's length in UTF-16 code units (an emoji outside the BMP counts 2) and
trims leading and trailing whitespace, so lengths here are UTF-16 units and parts are trimmed.
A cut is made, in order of preference, after a paragraph break, a line break, the end of a
sentence (Chinese 。！？；… or Western .!?), or a space, provided that boundary lies in the
second half of the allowed length; otherwise the text is cut hard at a character boundary that
does not tear a combining mark, a variation selector, a zero-width joiner sequence or a flag.
"""

from __future__ import annotations

import re
import unicodedata

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024

_ZWJ = "\u200d"
_SENTENCE_END = re.compile(r"(?:[。！？；…]+|[.!?;]+(?=\s))[”’\"』」）)\]]*")
_SPACE = re.compile(r"\s+")


def utf16_len(text: str) -> int:
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Parts of `text`, each non-empty and at most `limit` UTF-16 units, in order.

    Joining the parts gives back the text up to the whitespace at the cuts. A text that is
    empty or only whitespace gives no parts."""
    if limit < 2:
        raise ValueError("limit must be at least 2")
    parts: list[str] = []
    rest = _normalise(text)
    while rest:
        head, rest = cut_once(rest, limit)
        if head:
            parts.append(head)
    return parts


def plan_messages(text: str, photo: bool) -> tuple[str | None, list[str]]:
    """What to send for one broadcast: (photo caption or None, text messages).

    With a photo the first part (at most 1,024 units) becomes the caption and the rest follows
    as text messages; without a photo the whole text is split at 4,096."""
    rest = _normalise(text)
    if not photo:
        return None, split_text(rest)
    caption, rest = cut_once(rest, CAPTION_LIMIT) if rest else ("", "")
    return (caption or None), split_text(rest)


def cut_once(text: str, limit: int) -> tuple[str, str]:
    """The first part of a trimmed `text` (at most `limit` units) and the trimmed rest."""
    end = _prefix_end(text, limit)
    if end >= len(text):
        return text.strip(), ""
    cut = _best_boundary(text, end, limit)
    return text[:cut].strip(), text[cut:].strip()


def _normalise(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _prefix_end(text: str, limit: int) -> int:
    """The largest index such that text[:index] fits in `limit` UTF-16 units."""
    units = 0
    for index, ch in enumerate(text):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def _best_boundary(text: str, end: int, limit: int) -> int:
    window = text[:end]
    floor = _index_at_units(window, limit // 2)
    for found in (
        _last_after(window, "\n\n"),
        _last_after(window, "\n"),
        _last_regex_end(window, _SENTENCE_END),
        _last_regex_end(window, _SPACE),
    ):
        if found is not None and found > floor and text[:found].strip():
            return found
    return _safe_hard_cut(text, end)


def _index_at_units(text: str, units: int) -> int:
    count = 0
    for index, ch in enumerate(text):
        count += 2 if ord(ch) > 0xFFFF else 1
        if count > units:
            return index
    return len(text)


def _last_after(window: str, separator: str) -> int | None:
    at = window.rfind(separator)
    return None if at < 0 else at + len(separator)


def _last_regex_end(window: str, pattern: re.Pattern[str]) -> int | None:
    last = None
    for match in pattern.finditer(window):
        last = match.end()
    return last


def _safe_hard_cut(text: str, end: int) -> int:
    """`end` moved back so that no grapheme cluster we can recognise is torn apart."""
    cut = end
    while cut > 0 and (_extends_previous(text[cut]) or text[cut - 1] == _ZWJ):
        cut -= 1
    if cut > 0 and _is_regional(text[cut]):
        run = 0
        while cut - run - 1 >= 0 and _is_regional(text[cut - run - 1]):
            run += 1
        if run % 2 == 1:
            cut -= 1
    return cut if cut > 0 else end


def _extends_previous(ch: str) -> bool:
    code = ord(ch)
    return (
        ch == _ZWJ
        or unicodedata.combining(ch) != 0
        or unicodedata.category(ch) in ("Mn", "Me", "Mc")
        or 0xFE00 <= code <= 0xFE0F
        or 0xE0100 <= code <= 0xE01EF
        or 0x1F3FB <= code <= 0x1F3FF
        or 0xE0020 <= code <= 0xE007F
    )


def _is_regional(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF
