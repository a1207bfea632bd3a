"""How a resident is named where others read it: in a group, never by their full name."""

from __future__ import annotations

RESIDENT = "居民"  # a resident with no usable name


def masked_name(name: str | None) -> str:
    """The first character of the name and two asterisks (王秀英 → 王**), whatever its length;
    a name that is empty (or only spaces) becomes 居民."""
    stripped = (name or "").strip()
    return f"{stripped[0]}**" if stripped else RESIDENT
