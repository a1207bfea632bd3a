"""People's words as the bot stores, reads and repeats them: visible, and never too long.

Zero-width and bidi control characters split words (`漏\u200b水`) so that neither a person nor
the classifier sees them, and can turn a line around on screen; control characters beyond the
line break and tab only garble a message. `clean` removes them wherever text comes in or goes
out. `cut` shortens a quotation to a set length with a closing "…".
"""

from __future__ import annotations

import re

# Characters with no width: zero-width space/joiners, word joiner and invisible operators,
# byte-order mark, soft hyphen, Mongolian vowel separator; the bidi embeddings, overrides,
# isolates and marks; C0 and C1 controls except \t and \n (\r becomes \n). A zero-width
# joiner between two emoji glues them into one picture (👨‍👩‍👧) and is kept there.
_EMOJI = "\U0001f000-\U0001faff\u2600-\u27bf"
_INVISIBLE = re.compile(
    f"(?P<keep>(?<=[{_EMOJI}\ufe0f])\u200d(?=[{_EMOJI}]))"
    "|[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
)

QUOTE_LIMIT = 300  # characters of a person's words repeated in a group or a list
NOTICE_QUOTE_LIMIT = 1500  # in a staff member's private notice, who needs the detail


def clean(text: str) -> str:
    """The text without invisible and control characters (emoji sequences stay whole)."""
    if text.isascii() and text.isprintable():
        return text
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _INVISIBLE.sub(lambda m: m.group("keep") or "", text)


def cut(text: str, limit: int = QUOTE_LIMIT) -> str:
    """At most `limit` characters: longer text is cut and ends with "…"."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + "…"


def quotation(text: str, limit: int = QUOTE_LIMIT) -> str:
    """A person's words as a message repeats them: cleaned, then cut to `limit`."""
    return cut(clean(text), limit)


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji outside the BMP counts 2)."""
    return len(text.encode("utf-16-le")) // 2
