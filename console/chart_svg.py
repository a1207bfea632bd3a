"""/stats's chart (stats/chart.py's ChartData) laid out as inline SVG for 总览.

The PNG of /stats takes matplotlib a quarter of a second per drawing; the page draws the same
two panels as SVG shapes in its own HTML instead (no extra request, text a screen reader and
a search can find); console/chart_png.py paints the same layout as the PNG download. Long
periods are summed into buckets of whole days so the daily panel never has more than
stats.chart.MAX_BARS bars.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

from stats.chart import ChartData

WIDTH = 960
DAILY_HEIGHT = 240
ROW = 18  # one child's row in the resolution-time panel
LEFT, NAME_WIDTH, RIGHT, TOP, AXIS = 48, 180, 16, 12, 28
PALETTE = ("#2e75b6", "#c55a11", "#548235", "#7030a0", "#bf9000", "#b00020", "#2f5597")
MAX_LABELS = 10


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    color: str
    title: str  # shown on hover and read out


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str


@dataclass
class Panel:
    height: int
    rects: list[Rect] = field(default_factory=list)
    x_labels: list[Label] = field(default_factory=list)
    y_labels: list[Label] = field(default_factory=list)
    empty: bool = False


@dataclass
class SvgChart:
    title: str
    bucket_days: int
    legend: list[tuple[str, str]]  # category label, colour
    daily: Panel
    times: Panel


def nice_top(value: float) -> float:
    """The axis top: 1, 2 or 5 times a power of ten, at least `value` (1 for nothing)."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value)


def layout(data: ChartData) -> SvgChart:
    colours = {label: PALETTE[i % len(PALETTE)] for i, label in enumerate(data.per_category)}
    bucket = data.bar_days()
    return SvgChart(
        data.title,
        bucket,
        list(colours.items()),
        _daily(data, colours, bucket),
        _times(data),
    )


def _daily(data: ChartData, colours: dict[str, str], bucket: int) -> Panel:
    starts, sums = data.bars()
    totals = [sum(column) for column in zip(*sums.values(), strict=True)] or [0] * len(starts)
    panel = Panel(DAILY_HEIGHT + AXIS, empty=not any(totals))
    if panel.empty:
        return panel
    top, plot_width = nice_top(max(totals)), WIDTH - LEFT - RIGHT
    slot = plot_width / len(starts)
    base = [0] * len(starts)
    for label, column in sums.items():
        for i, count in enumerate(column):
            if count:
                height = count / top * DAILY_HEIGHT
                y = TOP + DAILY_HEIGHT - (base[i] + count) / top * DAILY_HEIGHT
                span = _span(data.days, starts[i], bucket)
                panel.rects.append(
                    Rect(
                        LEFT + i * slot + slot * 0.1,
                        y,
                        slot * 0.8,
                        height,
                        colours[label],
                        f"{span} {label} {count} 件",
                    )
                )
            base[i] += count
    step = max(1, math.ceil(len(starts) / MAX_LABELS))
    panel.x_labels = [
        Label(LEFT + (i + 0.5) * slot, TOP + DAILY_HEIGHT + 18, f"{data.days[starts[i]]:%m-%d}")
        for i in range(0, len(starts), step)
    ]
    panel.y_labels = [
        Label(LEFT - 6, TOP + DAILY_HEIGHT - share * DAILY_HEIGHT + 4, f"{top * share:g}")
        for share in (0, 0.5, 1)
    ]
    return panel


def _span(days: list[date], start: int, bucket: int) -> str:
    first, last = days[start], days[min(start + bucket, len(days)) - 1]
    return first.isoformat() if first == last else f"{first.isoformat()}~{last.isoformat()}"


def _times(data: ChartData) -> Panel:
    rows = list(reversed(data.parts))  # ChartData lists them bottom-up, as matplotlib draws
    panel = Panel(TOP + max(len(rows), 1) * ROW + AXIS, empty=not rows)
    if panel.empty:
        return panel
    top = nice_top(max(p90 for _, _, p90 in rows))
    left, plot_width = NAME_WIDTH, WIDTH - NAME_WIDTH - RIGHT
    for i, (name, p50, p90) in enumerate(rows):
        y = TOP + i * ROW
        for hours, colour, word in ((p90, "#f4b183", "90%分位"), (p50, "#2e75b6", "中位数")):
            panel.rects.append(
                Rect(
                    left,
                    y + 2,
                    hours / top * plot_width,
                    ROW - 4,
                    colour,
                    f"{name} {word} {hours:.1f} 小时",
                )
            )
        panel.y_labels.append(Label(left - 6, y + ROW - 5, name))
    axis_y = TOP + len(rows) * ROW + 18
    panel.x_labels = [
        Label(left + share * plot_width, axis_y, f"{top * share:g}") for share in (0, 0.5, 1)
    ]
    return panel
