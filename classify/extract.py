"""Structured fields from message text: phones, ages, times, clothing, vehicles.

Regexes here only extract; deciding what a message is about is the automaton's job. All
extractors expect normalised text (see `normalise`), except `mask_phones`, which works on what
residents actually wrote.
"""

from __future__ import annotations

import re

from classify.model import Details
from core.text import clean

_CN = "一二三四五六七八九十两几"
_MOBILE = r"1[3-9]\d(?:[-. ]?\d{4}){2}"
_LANDLINE = r"0\d{2,3}-?[2-9]\d{6,7}|[2-9]\d{7}"
PHONE_RE = re.compile(
    rf"(?<![0-9])(?:\+?86[- ]?)?(?:(?P<mobile>{_MOBILE})|(?P<landline>{_LANDLINE}))(?![0-9])",
    re.ASCII,
)

AGE_RE = re.compile(
    rf"(?:\d{{1,3}}|[{_CN}]{{1,4}})(?:多|来)?周?岁半?|年近[五六七八九]旬|[五六七八九]旬"
)

_DAY = "今天|昨天|前天|当天|今日|昨日|今晚|昨晚|昨夜|今早|一早"
_PART = "凌晨|清晨|早上|早晨|上午|中午|下午|傍晚|晚上|夜里|半夜|深夜|夜间"
_CLOCK = (
    rf"(?:\d{{1,2}}|[{_CN}]{{1,3}})[点时:]"
    rf"(?:半|\d{{1,2}}分?|[{_CN}]{{1,3}}分)?(?:多|左右|许)?"
)
_DIGIT_CLOCK = r"\d{1,2}(?::\d{2}|点(?:半|\d{1,2}分?)?)(?:多|左右|许)?"
TIME_RE = re.compile(
    rf"(?:{_DAY})(?:{_PART})?(?:{_CLOCK})?|(?:{_PART})(?:{_CLOCK})?|{_DIGIT_CLOCK}"
)

_COLOUR = "红橙黄绿青蓝紫黑白灰粉棕褐咖啡藏军深浅花米卡其"
_GARMENT = (
    "上衣|外套|大衣|棉袄|棉服|棉衣|羽绒服|毛衣|衬衫|衬衣|t恤|卫衣|夹克|西装|裤子|牛仔裤|短裤|"
    "裙子|连衣裙|帽子|毛线帽|运动服|校服|马甲|背心|秋衣|睡衣|鞋|拖鞋"
)
CLOTHING_RE = re.compile(
    rf"(?:身穿|穿着|穿|头戴|戴着|戴|背着|背|拎着|拎|拄着|拄)[^\s,。.!?;、:]{{1,12}}"
    rf"|[{_COLOUR}]+色?的?(?:{_GARMENT})"
)
_CLOTHING_NOUNS = re.compile(r"衣|服|裤|裙|衫|袄|褂|鞋|帽|镜|罩|巾|套|包|夹克|背心|t恤|拐|袋")

_VEHICLE = (
    "电动三轮车|三轮车|自行车|电动车|电瓶车|摩托车|机车|单车|脚踏车|面包车|小轿车|轿车|货车|汽车"
)
_PLATE = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
VEHICLE_RE = re.compile(
    rf"(?:骑着|骑|开着|开|驾驶)[^\s,。.!?;、]{{0,8}}?(?:{_VEHICLE}|车)"
    rf"|[{_COLOUR}银]+色?的?(?:{_VEHICLE})"
    rf"|(?:车牌号?:?\s*)?[{_PLATE}][a-z][- ]?[a-z0-9]{{5,6}}(?![a-z0-9])"
)

# Full-width digits and the signs written between them (＋86 １３８－１２３４．５６７８).
_FULLWIDTH_DIGITS = {0xFF10 + i: 0x30 + i for i in range(10)} | {
    0xFF0B: ord("+"),
    0xFF0D: ord("-"),
    0xFF0E: ord("."),
    0x3000: ord(" "),
}


def _unique(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def find_phones(text: str) -> tuple[str, ...]:
    """Mobile and landline numbers, digits only (separators removed)."""
    if not any(ch.isdigit() for ch in text):
        return ()
    return _unique(
        [
            re.sub(r"[^0-9]", "", m.group("mobile") or m.group("landline"))
            for m in PHONE_RE.finditer(text)
        ]
    )


def _mask_digits(number: str, head: int, tail: int) -> str:
    """Replace every digit but the first `head` and the last `tail` with '*'."""
    total = sum(ch.isdigit() for ch in number)
    out, seen = [], 0
    for ch in number:
        if ch.isdigit():
            seen += 1
            if head < seen <= total - tail:
                ch = "*"
        out.append(ch)
    return "".join(out)


def _mask_match(match: re.Match[str], landlines: bool) -> str:
    mobile, landline = match.group("mobile"), match.group("landline")
    if mobile is not None:
        return match.group(0).replace(mobile, _mask_digits(mobile, 3, 4))
    if not landlines:
        return match.group(0)
    if "-" in landline:
        area = landline.index("-")
    else:
        area = len(landline) - 8 if landline.startswith("0") else 0
    return match.group(0).replace(landline, _mask_digits(landline, area + 2, 2))


def mask_phones(text: str, *, landlines: bool = True) -> str:
    """Hide the middle digits of phone numbers: 13812345678 → 138****5678."""
    text = clean(text).translate(_FULLWIDTH_DIGITS)  # digits split by zero-width characters
    return PHONE_RE.sub(lambda m: _mask_match(m, landlines), text)


def find_ages(text: str) -> tuple[str, ...]:
    return _unique([m.group(0) for m in AGE_RE.finditer(text)])


def find_times(text: str) -> tuple[str, ...]:
    return _unique([m.group(0) for m in TIME_RE.finditer(text)])


def find_clothing(text: str) -> tuple[str, ...]:
    found = [m.group(0) for m in CLOTHING_RE.finditer(text)]
    return _unique([f for f in found if _CLOTHING_NOUNS.search(f)])


def find_vehicles(text: str) -> tuple[str, ...]:
    return _unique([m.group(0).upper() for m in VEHICLE_RE.finditer(text)])


def extract_details(text: str, *, full: bool) -> Details:
    """Phones and times always; ages, clothing and vehicles only when `full` (missing persons)."""
    if not full:
        return Details(phones=find_phones(text), times=find_times(text))
    return Details(
        phones=find_phones(text),
        ages=find_ages(text),
        times=find_times(text),
        clothing=find_clothing(text),
        vehicles=find_vehicles(text),
    )
