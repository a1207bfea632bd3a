"""Every text is made deliverable before it is stored: no invisible characters, within length.

Templates cut the people's words they quote (core.text.quotation), so a message over the
platform's limit means a long list or report. It is split at line breaks into parts that each
fit, so nothing is lost; a single line longer than the limit is split as plain text. An edit
or a caption cannot become two messages and is cut with "…". Each case logs one line, since
it shows a template that should have cut its text.
"""

from __future__ import annotations

import html
import logging
import re

from channels.port import Capabilities
from core.text import clean, utf16_len

log = logging.getLogger("gridbot.outbox")

LIMITS = Capabilities()  # Telegram's limits; every channel so far allows at least these
_TAG = re.compile(r"<[^>]*>")


def visible_len(text: str, html_mode: bool) -> int:
    """Length as the platform counts it: after HTML parsing, in UTF-16 code units."""
    return utf16_len(html.unescape(_TAG.sub("", text)) if html_mode else text)


def parts(text: str, html_mode: bool, limit: int = LIMITS.max_text) -> list[str]:
    """`text` cleaned, as one part if it fits, else as consecutive parts that each fit."""
    text = clean(text)
    if visible_len(text, html_mode) <= limit:
        return [text]
    out: list[str] = []
    current = ""
    for glue, line in _fitting_lines(text, html_mode, limit):
        joined = f"{current}{glue}{line}" if current else line
        if current and visible_len(joined, html_mode) > limit:
            out.append(current)
            joined = line
        current = joined
    if current:
        out.append(current)
    log.warning("a message of %d characters was split into %d parts", len(text), len(out))
    return out


def _fitting_lines(text: str, html_mode: bool, limit: int) -> list[tuple[str, str]]:
    """The lines, each with what joins it to the one before: a line break, or nothing for
    the pieces of a line too long for one message."""
    lines: list[tuple[str, str]] = []
    for line in text.split("\n"):
        if visible_len(line, html_mode) <= limit:
            lines.append(("\n", line))
            continue
        plain = html.unescape(_TAG.sub("", line)) if html_mode else line
        step = limit // 2  # every character counts at most 2 UTF-16 units
        for start in range(0, len(plain), step):
            chunk = plain[start : start + step]
            glue = "" if start else "\n"
            lines.append((glue, html.escape(chunk, quote=False) if html_mode else chunk))
    return lines


def shortened(text: str, html_mode: bool, limit: int) -> str:
    """`text` cleaned and, if it does not fit, cut to fit with "…" (as plain text)."""
    text = clean(text)
    if visible_len(text, html_mode) <= limit:
        return text
    plain = html.unescape(_TAG.sub("", text)) if html_mode else text
    while utf16_len(plain) > limit - 1:
        plain = plain[: max(len(plain) - max(utf16_len(plain) - limit + 1, 1), 0)]
    log.warning("a text of %d characters was cut to fit in %d", len(text), limit)
    cut = plain.rstrip() + "…"
    return html.escape(cut, quote=False) if html_mode else cut
