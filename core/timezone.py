"""The district's time zone: the one way to read `[tickets] timezone`.

Local days (stats periods, headcount rounds, checklist weeks), deadlines and every time shown to
people or typed by them are in this zone. The name is checked when the config loads, so this
never fails; ZoneInfo keeps one instance per name, so calling it often costs a dict lookup.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from core.config import Settings


def district_zone(settings: Settings) -> ZoneInfo:
    return ZoneInfo(settings.tickets.timezone)
