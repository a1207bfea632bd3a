"""Text normalisation before matching: one script, one width, one case."""

from __future__ import annotations

from functools import lru_cache

from opencc import OpenCC

from core.text import clean


def _width_table() -> dict[int, int]:
    """Full-width ASCII forms and the ideographic space map to ASCII; letters to lower case."""
    table = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
    table[0x3000] = 0x20
    for upper in range(ord("A"), ord("Z") + 1):
        table[upper] = upper + 32
        table[upper + 0xFEE0] = upper + 32
    # OpenCC keeps 著 (a valid simplified character); residents mean 着 ("穿著", "拄著").
    table[ord("著")] = ord("着")
    return table


_WIDTH = _width_table()


@lru_cache(maxsize=1)
def _converter() -> OpenCC:
    """Traditional → simplified converter, created once per process."""
    return OpenCC("t2s")


def normalise(text: str) -> str:
    """Simplified script, half-width ASCII, lower case, no invisible characters (漏\u200b水
    is 漏水); the length may change slightly."""
    text = clean(text).translate(_WIDTH)
    if text.isascii():
        return text
    return str(_converter().convert(text))
