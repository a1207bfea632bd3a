"""Text normalisation before matching: one script, one width, one case."""

from __future__ import annotations

import re
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


# Voice input writes alarm words as homophones (天然汽, 煤起罐, 找火了). Only spellings that mean
# nothing else are restored, some only before the character that makes them unambiguous
# (蜂窝煤起火 and 找火车站 stay as they are).
_VOICE = {
    "天然汽": "天然气",
    "煤汽": "煤气",
    "梅气": "煤气",
    "煤起": "煤气",
    "找火了": "着火了",
    "着伙了": "着火了",
    "救明": "救命",
    "电题": "电梯",
    "抱警": "报警",
    "云倒": "晕倒",
    "幺幺九": "119",
    "幺二零": "120",
    "走兜": "走丢",
    "拍出所": "派出所",
    "帽烟": "冒烟",
}
_VOICE_SPELLING = re.compile(
    "|".join(re.escape(w) + ("(?=[味罐泄漏管灶表阀])" if w == "煤起" else "") for w in _VOICE)
)


def restore_homophones(text: str) -> str:
    """Voice-input spellings of alarm words (a normalised, simplified text) put right."""
    return _VOICE_SPELLING.sub(lambda found: _VOICE[found.group()], text)


def normalise(text: str) -> str:
    """Simplified script, half-width ASCII, lower case, no invisible characters (漏\u200b水
    is 漏水), voice-input homophones of alarm words restored; the length may change slightly."""
    text = clean(text).translate(_WIDTH)
    if text.isascii():
        return text
    return restore_homophones(str(_converter().convert(text)))
