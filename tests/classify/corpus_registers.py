"""Registers for generated messages: the same content written the ways residents write it."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from opencc import OpenCC

from tests.classify.corpus_parts import Kind


@dataclass(frozen=True)
class Register:
    name: str
    weight: float
    apply: Callable[[str, random.Random, Kind], str]


def _chat(text: str, rng: random.Random, kind: Kind) -> str:
    ends = ["", "", "。", "！", "！！", "？", "…", "~"] if kind.category != "none" else ["", "。"]
    if text and text[-1] in "。！？!?…~":
        return text
    return text + rng.choice(ends)


_BOARD_TOPICS = ["一个", "小区", "我们楼", "长期存在的", "一个紧急", "关于"]
_ESTATES = ["阳光花园", "翠湖苑", "锦绣家园", "东方明珠小区", "和平里", "金色港湾", "幸福村"]
_DEPARTMENTS = ["社区", "街道", "物业", "相关部门", "网格员", "领导", "有关单位"]
_ASKS = ["尽快处理", "协调解决", "帮忙", "予以重视", "督促整改", "给个答复", "核实处理"]


def _board(text: str, rng: random.Random, kind: Kind) -> str:
    opener = rng.choice(
        [
            f"反映{rng.choice(_BOARD_TOPICS)}问题。",
            "您好，",
            "尊敬的领导：",
            "",
            "我要反映一个情况：",
        ]
    )
    who = rng.choice(
        [
            f"我是{rng.choice(_ESTATES)}{rng.randint(1, 30)}栋的业主，",
            f"本人系{rng.choice(_ESTATES)}住户，",
            "我是本小区居民，",
            "",
        ]
    )
    close = rng.choice(
        [
            f"恳请{rng.choice(_DEPARTMENTS)}{rng.choice(_ASKS)}。",
            f"望{rng.choice(_DEPARTMENTS)}{rng.choice(_ASKS)}，谢谢！",
            "",
            f"希望{rng.choice(_DEPARTMENTS)}能{rng.choice(_ASKS)}。",
        ]
    )
    return f"{opener}{who}{text.rstrip('。！!')}。{close}"


_HOMOPHONES = [
    ("煤气", "梅气"),
    ("煤气", "煤起"),
    ("着火", "着伙"),
    ("救命", "就命"),
    ("电梯", "电题"),
    ("漏水", "露水"),
    ("老人", "老银"),
    ("孩子", "孩纸"),
    ("回来", "会来"),
    ("物业", "无业"),
    ("没有", "美有"),
    ("知道", "直到"),
    ("报警", "抱警"),
    ("邻居", "林居"),
    ("小区", "小曲"),
    ("已经", "以经"),
    ("停电", "听电"),
    ("摔倒", "摔到"),
    ("冒烟", "帽烟"),
    ("垃圾", "拉鸡"),
    ("麻烦", "马烦"),
    ("时候", "时侯"),
    ("在", "再"),
    ("的", "得"),
    ("找", "照"),
    ("着火", "找火"),
    ("天然气", "天然汽"),
    ("119", "幺幺九"),
    ("120", "幺二零"),
    ("煤气罐", "煤起罐"),
    ("走丢", "走兜"),
    ("派出所", "拍出所"),
    ("晕倒", "云倒"),
    ("违建", "违见"),
    ("物业费", "无业费"),
    ("燃气", "然气"),
]
_FILLERS = ["那个", "就是", "嗯", "呃", "然后", "那个那个", "就是说"]


def _voice(text: str, rng: random.Random, kind: Kind) -> str:
    for right, wrong in rng.sample(_HOMOPHONES, 6):
        if right in text and rng.random() < 0.7:
            text = text.replace(right, wrong, 1)
    parts = text.replace("，", "，|").replace("。", "|").split("|")
    out = []
    for part in parts:
        if part and rng.random() < 0.35:
            part = rng.choice(_FILLERS) + part
        out.append(part)
    text = "".join(out)
    return text if rng.random() < 0.6 else text.replace("，", " ")


def _elderly(text: str, rng: random.Random, kind: Kind) -> str:
    style = rng.random()
    if style < 0.4:
        return text.replace("，", " ").replace("。", " ").replace("！", "")
    if style < 0.7:
        return text.replace("，", "。。。").replace("！", "!!!")
    return text.replace("，", "，，") + rng.choice(["", "谢谢", "拜托了", "麻烦各位"])


_DIALECT = [
    ("什么", "啥"),
    ("怎么办", "咋整"),
    ("怎么", "咋"),
    ("我们", "俺们"),
    ("没有", "冇"),
    ("没有", "莫得"),
    ("孩子", "娃"),
    ("不知道", "不晓得"),
    ("这里", "这搭"),
    ("现在", "这阵"),
    ("我", "俺"),
    ("他", "伊"),
    ("不是", "唔系"),
    ("回来", "返来"),
    ("看见", "瞅见"),
    ("很", "老"),
    ("非常", "贼"),
    ("东西", "物事"),
    ("干什么", "做啥子"),
    ("一直", "一径"),
]
_PARTICLES = ["嘛", "咯", "哦", "噻", "撒", "啦", "嘞", "哈"]


def _dialect(text: str, rng: random.Random, kind: Kind) -> str:
    for standard, local in rng.sample(_DIALECT, 8):
        if standard in text and rng.random() < 0.8:
            text = text.replace(standard, local)
    if rng.random() < 0.6:
        text = text.rstrip("。！") + rng.choice(_PARTICLES)
    return text


# Cantonese (written as in Hong Kong, then in traditional script) and Wu (Shanghainese) words:
# holdout5 showed that residents write whole messages in them, not a word here and there.
_CANTONESE = [
    ("没有", "冇"),
    ("什么", "乜嘢"),
    ("我们", "我哋"),
    ("你们", "你哋"),
    ("他们", "佢哋"),
    ("他", "佢"),
    ("她", "佢"),
    ("这个", "呢个"),
    ("那个", "嗰个"),
    ("家里", "屋企"),
    ("水管", "水喉"),
    ("电梯", "𨋢"),
    ("上班", "返工"),
    ("现在", "而家"),
    ("看看", "睇下"),
    ("不知道", "唔知"),
    ("不是", "唔系"),
    ("是不是", "系咪"),
    ("在", "喺"),
    ("的", "嘅"),
    ("了", "咗"),
    ("是", "系"),
    ("很", "好"),
    ("找", "搵"),
    ("说", "讲"),
    ("着火", "火烛"),
]
_WU = [
    ("我们", "阿拉"),
    ("我家", "阿拉屋里"),
    ("妈妈", "姆妈"),
    ("我妈", "阿拉姆妈"),
    ("一个人", "一家头"),
    ("今天", "今朝"),
    ("明天", "明朝"),
    ("他", "伊"),
    ("什么", "啥"),
    ("不", "勿"),
    ("的", "个"),
    ("很", "老"),
    ("怎么", "哪能"),
]


def _cantonese(text: str, rng: random.Random, kind: Kind) -> str:
    for standard, local in _CANTONESE:
        if standard in text and rng.random() < 0.85:
            text = text.replace(standard, local)
    if rng.random() < 0.5:
        text = text.rstrip("。！") + rng.choice(["呀", "啊", "喎", "啦", "㗎", ""])
    return str(_to_traditional().convert(text)) if rng.random() < 0.7 else text


def _wu(text: str, rng: random.Random, kind: Kind) -> str:
    for standard, local in _WU:
        if standard in text and rng.random() < 0.8:
            text = text.replace(standard, local)
    return text.rstrip("。！") + rng.choice(["", "伐", "个", "呀"])


@lru_cache(maxsize=1)
def _to_traditional() -> OpenCC:
    return OpenCC("s2t")


def _traditional(text: str, rng: random.Random, kind: Kind) -> str:
    converted = str(_to_traditional().convert(text))
    return converted.replace("里", "裡") if rng.random() < 0.3 else converted


_URGENT_EMOJI = ["😭", "🙏", "🆘", "‼️", "😰", "🙏🙏", "😱", "⚠️", "🔥"]
_CALM_EMOJI = ["😂", "🤣", "😄", "👍", "🌹", "😊", "🎉", "❤️", "😅", "[捂脸]", "[偷笑]", "🙈"]
_ANNOYED_EMOJI = ["😡", "😤", "🙄", "💢", "[发怒]", "😓", "[流泪]"]


def _emoji(text: str, rng: random.Random, kind: Kind) -> str:
    if kind.category == "none":
        pool = _CALM_EMOJI
    elif kind.priority == "urgent" or kind.category == "missing_person":
        pool = _URGENT_EMOJI
    else:
        pool = _ANNOYED_EMOJI
    text = text.rstrip("。")
    if rng.random() < 0.3:
        return rng.choice(pool) + text + rng.choice(pool)
    return text + rng.choice(pool) * rng.randint(1, 3)


_PREFACES = [
    "各位邻居不好意思打扰一下，",
    "我说个事啊，",
    "本来不想在群里说的，但是实在没办法了，",
    "大家好，我是后面那栋的，",
    "跟大家讲个事情，",
    "我也不知道找谁，就在群里问问，",
    "不好意思啊我打字慢，",
    "有个事想请大家帮忙，",
    "说一下哈，",
]
_ASIDES = [
    "之前也说过好几次了，",
    "我也是刚知道，",
    "家里人都在外地，",
    "说来话长，",
    "我这个人不爱麻烦别人，",
    "昨天就想说了，",
    "我跟我老伴商量了一下，",
]
_CLOSINGS = [
    "谢谢大家了。",
    "麻烦了麻烦了。",
    "先谢谢各位。",
    "有消息的在群里说一声。",
    "不好意思打扰大家了。",
    "就这样，谢谢。",
    "",
]


def _rambling(text: str, rng: random.Random, kind: Kind) -> str:
    text = text.rstrip("。！")
    return f"{rng.choice(_PREFACES)}{rng.choice(_ASIDES)}{text}，{rng.choice(_CLOSINGS)}"


_FORWARDS = ["【转发】", "转：", "转发群消息：", "[转发]", "帮转：", "转自业主群："]


def _forwarded(text: str, rng: random.Random, kind: Kind) -> str:
    return rng.choice(_FORWARDS) + text


REGISTERS: tuple[Register, ...] = (
    Register("chat", 5.0, _chat),
    Register("board", 1.2, _board),
    Register("voice", 1.0, _voice),
    Register("elderly", 0.8, _elderly),
    Register("dialect", 0.8, _dialect),
    Register("cantonese", 0.6, _cantonese),
    Register("wu", 0.3, _wu),
    Register("traditional", 1.2, _traditional),
    Register("emoji", 1.0, _emoji),
    Register("rambling", 0.8, _rambling),
    Register("forwarded", 0.3, _forwarded),
)
