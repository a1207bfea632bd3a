"""Name pools for the demo district: Pinggu's towns and streets, village and community names,
and Chinese personal names with their pinyin (for Telegram usernames)."""

from __future__ import annotations

import random

DISTRICT = ("PG", "平谷区")

# Pinggu's streets (街道), areas (地区) and towns (镇), in the order their codes are given.
TOWNS = (
    "滨河街道",
    "兴谷街道",
    "渔阳地区",
    "王辛庄镇",
    "大兴庄镇",
    "东高村镇",
    "山东庄镇",
    "大华山镇",
    "金海湖镇",
    "马坊镇",
    "马昌营镇",
    "峪口镇",
    "夏各庄镇",
    "南独乐河镇",
    "刘家店镇",
    "镇罗营镇",
)

COMMUNITY_STEMS = (
    "府前 承平里 新平北路 建西 东鑫 西寺渠 太平街 林荫北街 园丁 绿谷 金谷园 育新 向阳 和平街"
    " 胜利街 光明街 滨河 兴谷 洳河 迎宾 平翔 文化街 岳泰 金乡 城北 城南 东苑 西苑 南苑 北苑"
    " 泃河湾 望景园 上纸寨 下纸寨 海子 顺平路"
).split()

VILLAGE_PREFIXES = "东 西 南 北 前 后 大 小 上 下 中 新 王 张 李 刘 杨 马 韩 魏".split()
VILLAGE_CORES = (
    "庄 营 寨 峪 店 辛庄 各庄 家务 官庄 河 岭 台 坨 洼 务 屯 堡 沟 关 桥 岱 港 埝头 太务"
).split()

SURNAMES = (
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"),
    ("杨", "yang"), ("赵", "zhao"), ("黄", "huang"), ("周", "zhou"), ("吴", "wu"),
    ("徐", "xu"), ("孙", "sun"), ("胡", "hu"), ("朱", "zhu"), ("高", "gao"),
    ("林", "lin"), ("何", "he"), ("郭", "guo"), ("马", "ma"), ("罗", "luo"),
    ("梁", "liang"), ("宋", "song"), ("郑", "zheng"), ("谢", "xie"), ("韩", "han"),
    ("唐", "tang"), ("冯", "feng"), ("于", "yu"), ("董", "dong"), ("曹", "cao"),
)  # fmt: skip

GIVEN_NAMES = (
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("秀英", "xiuying"), ("敏", "min"),
    ("静", "jing"), ("丽", "li"), ("强", "qiang"), ("磊", "lei"), ("军", "jun"),
    ("洋", "yang"), ("勇", "yong"), ("艳", "yan"), ("杰", "jie"), ("娟", "juan"),
    ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("秀兰", "xiulan"), ("霞", "xia"),
    ("平", "ping"), ("刚", "gang"), ("桂英", "guiying"), ("建华", "jianhua"),
    ("建国", "jianguo"), ("玉兰", "yulan"), ("海燕", "haiyan"), ("志强", "zhiqiang"),
    ("春梅", "chunmei"), ("淑珍", "shuzhen"), ("国庆", "guoqing"), ("红梅", "hongmei"),
    ("文博", "wenbo"), ("子涵", "zihan"), ("雨轩", "yuxuan"), ("浩然", "haoran"),
)  # fmt: skip


def is_street(town: str) -> bool:
    """Streets (街道) are urban and have communities (社区); towns and areas have villages."""
    return town.endswith("街道")


def community_names(street: bool, count: int, start: int, rng: random.Random) -> list[str]:
    """`count` distinct names: communities in pool order from `start` (so the first street's
    first community is 府前社区), villages drawn at random."""
    if street:
        stems = [COMMUNITY_STEMS[(start + i) % len(COMMUNITY_STEMS)] for i in range(count)]
        rounds = [(start + i) // len(COMMUNITY_STEMS) for i in range(count)]
        return [
            f"{stem}{'' if r == 0 else f'第{r + 1}'}社区"
            for stem, r in zip(stems, rounds, strict=True)
        ]
    pool = [p + c for p in VILLAGE_PREFIXES for c in VILLAGE_CORES]
    picked = rng.sample(pool, min(count, len(pool)))
    picked += [f"{pool[i % len(pool)]}{i // len(pool) + 1}" for i in range(len(picked), count)]
    return [f"{name}村" for name in picked]


def person_name(rng: random.Random) -> tuple[str, str]:
    """A Chinese name and its pinyin, e.g. ('张伟', 'zhangwei')."""
    surname, surname_py = rng.choice(SURNAMES)
    given, given_py = rng.choice(GIVEN_NAMES)
    return surname + given, surname_py + given_py
