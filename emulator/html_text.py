"""Strict parser for Telegram's HTML parse mode, producing plain text plus entities."""

from __future__ import annotations

import re
from typing import Any

from .errors import bad_request

SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "a": "text_link",
    "tg-emoji": "custom_emoji",
}
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
ATTR_RE = re.compile(r"""\s*([A-Za-z_-]+)\s*(?:=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?""")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _fail(message: str) -> Exception:
    return bad_request(f"can't parse entities: {message}")


class _Open:
    def __init__(self, name: str, kind: str, start: int, attrs: dict[str, str]) -> None:
        self.name = name
        self.kind = kind
        self.start = start
        self.attrs = attrs


def _entity(tag: _Open, end: int) -> dict[str, Any] | None:
    if end <= tag.start:
        return None
    entity: dict[str, Any] = {"type": tag.kind, "offset": tag.start, "length": end - tag.start}
    if tag.kind == "text_link":
        href = tag.attrs.get("href")
        if not href:
            return None
        entity["url"] = href
    elif tag.kind == "custom_emoji":
        entity["custom_emoji_id"] = tag.attrs.get("emoji-id", "0")
    elif tag.kind == "blockquote" and "expandable" in tag.attrs:
        entity["type"] = "expandable_blockquote"
    elif tag.kind == "pre" and tag.attrs.get("language"):
        entity["language"] = tag.attrs["language"]
    return entity


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    out: list[str] = []
    pos16 = 0
    stack: list[_Open] = []
    entities: list[dict[str, Any]] = []
    i = 0

    def byte_offset(index: int) -> int:
        return len(source[:index].encode())

    while i < len(source):
        char = source[i]
        if char == "&":
            end = source.find(";", i + 1, i + 12)
            name = source[i + 1 : end] if end > 0 else ""
            decoded: str | None = NAMED_ENTITIES.get(name)
            if decoded is None and re.fullmatch(r"#(\d{1,7}|x[0-9A-Fa-f]{1,6})", name):
                code = int(name[2:], 16) if name[1] == "x" else int(name[1:])
                decoded = chr(code) if 0 < code < 0x110000 else None
            if decoded is not None:
                out.append(decoded)
                pos16 += utf16_len(decoded)
                i = end + 1
                continue
        if char != "<":
            out.append(char)
            pos16 += utf16_len(char)
            i += 1
            continue
        close = source.find(">", i)
        if source.startswith("</", i):
            if close < 0:
                raise _fail(f"Unclosed end tag at byte offset {byte_offset(i)}")
            name = source[i + 2 : close].strip().lower()
            if not stack:
                raise _fail(f"Unexpected end tag at byte offset {byte_offset(i)}")
            top = stack.pop()
            if name != top.name:
                raise _fail(
                    f"Unmatched end tag at byte offset {byte_offset(i)}, "
                    f'expected "</{top.name}>", found "</{name}>"'
                )
            entity = _entity(top, pos16)
            if entity is not None:
                entities.append(entity)
            i = close + 1
            continue
        match = re.match(r"[^\s>/]*", source[i + 1 :])
        name = match.group(0) if match else ""
        if name.lower() not in SIMPLE_TAGS:
            raise _fail(f'Unsupported start tag "{name}" at byte offset {byte_offset(i)}')
        if close < 0:
            raise _fail(f'Unclosed start tag "{name}" at byte offset {byte_offset(i)}')
        attrs = {
            m.group(1).lower(): m.group(2) or m.group(3) or m.group(4) or ""
            for m in ATTR_RE.finditer(source[i + 1 + len(name) : close].rstrip("/"))
            if m.group(1)
        }
        name = name.lower()
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise _fail(f'Tag "span" must have class "tg-spoiler" at byte offset {byte_offset(i)}')
        opened = _Open(name, SIMPLE_TAGS[name], pos16, attrs)
        language = attrs.get("class", "")
        if (
            name == "code"
            and stack
            and stack[-1].name == "pre"
            and language.startswith("language-")
        ):
            stack[-1].attrs["language"] = language.removeprefix("language-")
            opened.kind = "code-in-pre"
        stack.append(opened)
        i = close + 1
    if stack:
        raise _fail(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities = [e for e in entities if e["type"] != "code-in-pre"]
    return "".join(out), entities
