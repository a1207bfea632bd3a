"""Message text formatting: parse modes, auto-detected entities, trimming, limits."""

from __future__ import annotations

import re
from typing import Any

from .errors import bad_request
from .html_text import parse_html, utf16_len

AUTO_PATTERNS = (
    ("bot_command", re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")),
    ("url", re.compile(r"https?://[^\s<>\"']+")),
    ("mention", re.compile(r"(?<![\w@])@[A-Za-z][A-Za-z0-9_]{4,31}(?!\w)")),
    ("hashtag", re.compile(r"(?<![\w#])#\w*[^\W\d]\w*")),
)
OPAQUE = {"code", "pre", "text_link", "url", "bot_command", "mention", "hashtag"}


def _auto_entities(text: str, explicit: list[dict[str, Any]]) -> list[dict[str, Any]]:
    taken = [(e["offset"], e["offset"] + e["length"]) for e in explicit if e["type"] in OPAQUE]
    found: list[dict[str, Any]] = []
    for kind, pattern in AUTO_PATTERNS:
        for match in pattern.finditer(text):
            start = utf16_len(text[: match.start()])
            end = start + utf16_len(match.group(0))
            if any(start < b and a < end for a, b in taken):
                continue
            taken.append((start, end))
            found.append({"type": kind, "offset": start, "length": end - start})
    return found


def _trim(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    stripped = text.strip()
    if stripped == text:
        return text, entities
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    size = utf16_len(stripped)
    kept: list[dict[str, Any]] = []
    for entity in entities:
        start = max(0, entity["offset"] - lead)
        end = min(size, entity["offset"] + entity["length"] - lead)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept


def command_entities(text: str) -> list[dict[str, Any]]:
    """Entities Telegram would attach to a message typed by a user."""
    return sorted(_auto_entities(text, []), key=lambda e: (e["offset"], -e["length"]))


def format_text(
    raw: str | None, parse_mode: str | None, entities: Any, *, caption: bool = False
) -> tuple[str, list[dict[str, Any]]]:
    """Return (plain text, entities) the way Telegram stores a sent text or caption."""
    text = raw or ""
    explicit: list[dict[str, Any]] = []
    if isinstance(entities, list) and entities:
        for item in entities:
            if not isinstance(item, dict) or not {"type", "offset", "length"} <= item.keys():
                raise bad_request("can't parse entities JSON object")
            explicit.append(dict(item))
    elif parse_mode:
        mode = parse_mode.lower()
        if mode == "html":
            text, explicit = parse_html(text)
        elif mode not in ("markdown", "markdownv2"):
            raise bad_request("unsupported parse_mode")
    text, explicit = _trim(text, explicit)
    if not text and not caption:
        raise bad_request("message text is empty")
    limit = 1024 if caption else 4096
    if utf16_len(text) > limit:
        raise bad_request("message caption is too long" if caption else "message is too long")
    merged = explicit + _auto_entities(text, explicit)
    return text, sorted(merged, key=lambda e: (e["offset"], -e["length"]))
