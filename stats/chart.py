"""The /stats picture's data: tickets per day by category, and resolution times by child node.

Drawing needs matplotlib (stats/drawing.py), which adds about 60 MB to the process; it is
imported on the first chart, not when the bot starts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

from stats.model import Report
from stats.present import largest_first

TITLES = ("每日新登记工单（件）", "各下级办结用时（小时）")
LEGEND = ("中位数", "90%分位")
EMPTY = "暂无数据"
MAX_BARS = 92  # a quarter's days one by one; longer periods in bars of several days


@dataclass
class ChartData:
    title: str
    days: list[date]
    per_category: dict[str, list[int]]  # label → tickets on each day
    parts: list[tuple[str, float, float]] = field(default_factory=list)  # name, p50 h, p90 h

    def bar_days(self, most: int = MAX_BARS) -> int:
        """Days per bar: one, or as many as keep a long period within `most` bars."""
        return max(1, math.ceil(len(self.days) / most))

    def bars(self, most: int = MAX_BARS) -> tuple[list[int], dict[str, list[int]]]:
        """The index of each bar's first day, and each category's tickets per bar."""
        size = self.bar_days(most)
        starts = list(range(0, len(self.days), size))
        sums = {
            label: [sum(counts[i : i + size]) for i in starts]
            for label, counts in self.per_category.items()
        }
        return starts, sums

    def texts(self) -> list[str]:
        ticks = [d.strftime("%m-%d") for d in self.days]
        names = [name for name, _, _ in self.parts]
        return [self.title, *TITLES, *LEGEND, EMPTY, *self.per_category, *ticks, *names]


def chart_data(report: Report) -> ChartData:
    daily = report.daily or {}
    days = sorted(daily)
    totals = largest_first(report.total.by_category)
    per_category = {cat.label: [daily[d][cat] for d in days] for cat, _ in totals}
    parts = [
        (part.node.name, (f.resolve_p50 or 0) / 3600, (f.resolve_p90 or 0) / 3600)
        for part in reversed(report.parts)
        if (f := part.figures).resolve_p50 is not None
    ]
    return ChartData(f"{report.path}｜{report.period.label}", days, per_category, parts)


def render_png(data: ChartData) -> bytes:
    from stats import drawing

    return drawing.render_png(data)
