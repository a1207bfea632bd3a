"""The district's time zone: the one way to read `[tickets] timezone`.

Local days (stats periods, headcount rounds, checklist weeks), deadlines and every time shown to
people or typed by them are in this zone. The name is checked when the config loads, so this
never fails; ZoneInfo keeps one instance per name, so calling it often costs a dict lookup.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

from core.config import Settings


def district_zone(settings: Settings) -> ZoneInfo:
    return ZoneInfo(settings.tickets.timezone)


# Every time a person reads is formatted here, in the district's zone, with the zone named.
DAY_AND_TIME = "%Y-%m-%d %H:%M"
DAY_AND_TIME_SECONDS = "%Y-%m-%d %H:%M:%S"
SHORT_DAY_AND_TIME = "%m-%d %H:%M"
CLOCK_TIME = "%H:%M"

# How the chats name a zone; any other zone is named by its IANA key.
CHINESE_ZONE_NAMES = {
    "Asia/Shanghai": "北京时间",
    "Asia/Chongqing": "北京时间",
    "Asia/Harbin": "北京时间",
    "PRC": "北京时间",
    "Asia/Urumqi": "乌鲁木齐时间",
    "Asia/Hong_Kong": "香港时间",
    "Asia/Macau": "澳门时间",
    "Asia/Taipei": "台北时间",
}


def zone_key(zone: tzinfo) -> str:
    return getattr(zone, "key", None) or str(zone)


def local_time(moment: datetime, zone: tzinfo, pattern: str = DAY_AND_TIME) -> str:
    """A bare local time, for columns of a table or a spreadsheet whose heading names the zone."""
    return f"{moment.astimezone(zone):{pattern}}"


def cli_time(moment: datetime, zone: tzinfo, pattern: str = DAY_AND_TIME) -> str:
    """For the command line: "2026-12-04 18:00 (Asia/Shanghai)"."""
    return f"{moment.astimezone(zone):{pattern}} ({zone_key(zone)})"


def zone_name(zone: tzinfo) -> str:
    """What people call the zone: 北京时间, or its IANA key for a zone without a Chinese name."""
    return CHINESE_ZONE_NAMES.get(zone_key(zone), zone_key(zone))


def chat_time(moment: datetime, zone: tzinfo, pattern: str = SHORT_DAY_AND_TIME) -> str:
    """For a chat: "北京时间 12-04 18:00" (the zone first: no brackets inside brackets)."""
    return f"{zone_name(zone)} {moment.astimezone(zone):{pattern}}"
