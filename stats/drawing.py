"""Draws a `ChartData` with matplotlib's Agg canvas (no display, no pyplot state) in Noto Sans
CJK from the `cvttf-NotoSansCJK-Regular` package, so no system font is needed;
`missing_glyphs` checks that the font has every character a chart will draw.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from functools import cache

import cvttf_NotoSansCJK_Regular as noto
from matplotlib import font_manager, rc_context
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from stats.chart import EMPTY, LEGEND, TITLES, ChartData

MAX_TICKS = 10


@cache
def font_name() -> str:
    """Register the bundled CJK font with matplotlib once; its family name."""
    path = noto.get_TTF_path()
    font_manager.fontManager.addfont(path)
    return str(font_manager.FontProperties(fname=path).get_name())


@cache
def _charmap() -> frozenset[int]:
    return frozenset(FT2Font(noto.get_TTF_path()).get_charmap())


def missing_glyphs(texts: Iterable[str]) -> set[str]:
    """Characters the chart font cannot draw (they would show as boxes)."""
    covered = _charmap()
    return {ch for text in texts for ch in text if not ch.isspace() and ord(ch) not in covered}


def render_png(data: ChartData) -> bytes:
    with rc_context({"font.family": [font_name()], "axes.unicode_minus": False}):
        figure = Figure(figsize=(10, 8), dpi=100)
        FigureCanvasAgg(figure)
        # Fixed margins (room for a child's name of fifteen characters on the left): a
        # constrained layout measures every label first, a quarter of the drawing time.
        top, bottom = figure.subplots(2, 1, height_ratios=(3, 2))
        figure.subplots_adjust(left=0.2, right=0.97, top=0.91, bottom=0.05, hspace=0.3)
        figure.suptitle(data.title, fontsize=13)
        _daily(top, data)
        _times(bottom, data)
        out = io.BytesIO()
        figure.savefig(out, format="png")
    return out.getvalue()


def _daily(ax: Axes, data: ChartData) -> None:
    ax.set_title(TITLES[0])
    starts, sums = data.bars()
    positions = list(range(len(starts)))
    base = [0] * len(positions)
    handles = []
    for i, (label, counts) in enumerate(sums.items()):
        colour = f"C{i}"
        boxes = [
            [(x - 0.4, low), (x - 0.4, low + n), (x + 0.4, low + n), (x + 0.4, low)]
            for x, low, n in zip(positions, base, counts, strict=True)
            if n
        ]
        # One collection per category: bar() adds a patch per bar, and each patch re-measures
        # the axes (most of the drawing time for a month of seven categories).
        ax.add_collection(PolyCollection(boxes, facecolors=colour, edgecolors="none"))
        handles.append(Patch(facecolor=colour, label=label))
        base = [b + c for b, c in zip(base, counts, strict=True)]
    if not any(base):
        _empty(ax)
        return
    ax.set_xlim(-0.6, len(positions) - 0.4)
    ax.set_ylim(0, max(base) * 1.3)  # room above the bars for the legend
    step = max(1, len(positions) // MAX_TICKS)
    ticks = [data.days[i].strftime("%m-%d") for i in starts]
    ax.set_xticks(positions[::step], ticks[::step])
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    # A fixed place: "best" tries every spot against every bar, seconds for a long period.
    ax.legend(handles=handles, ncols=4, fontsize=9, loc="upper left")


def _times(ax: Axes, data: ChartData) -> None:
    ax.set_title(TITLES[1])
    if not data.parts:
        _empty(ax)
        return
    names = [name for name, _, _ in data.parts]
    ax.barh(names, [p90 for _, _, p90 in data.parts], color="#f4b183", label=LEGEND[1])
    ax.barh(names, [p50 for _, p50, _ in data.parts], color="#2e75b6", label=LEGEND[0])
    ax.legend(fontsize=9, loc="lower right")


def _empty(ax: Axes) -> None:
    ax.text(0.5, 0.5, EMPTY, ha="center", va="center", transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])
