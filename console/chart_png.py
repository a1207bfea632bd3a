"""总览's chart as a PNG for download: the inline SVG's own layout (console/chart_svg.py)
painted with Pillow, so the file is the picture the page shows.

matplotlib (the chat's /stats picture, stats/drawing.py) spends a quarter of a second on
ticks and text per drawing; the layout already holds every bar and label at its place, and
Pillow paints them in a few milliseconds. Text in Noto Sans CJK, the chat chart's font.
"""

from __future__ import annotations

import io
from functools import cache

import cvttf_NotoSansCJK_Regular as noto
from PIL import Image, ImageDraw, ImageFont

from console.chart_svg import WIDTH, Panel, SvgChart

TITLE, CAPTION, LEGEND = 32, 26, 22  # heights of the title, a panel caption, a legend row
INK, AXIS_INK = "#222222", "#888888"
TIMES_LEGEND = (("中位数", "#2e75b6"), ("90%分位", "#f4b183"))


@cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(noto.get_TTF_path(), size)


def render_chart_png(chart: SvgChart) -> bytes:
    daily_caption = "每日新登记工单（件，按类别"
    daily_caption += f"，每 {chart.bucket_days} 天合计）" if chart.bucket_days > 1 else "）"
    sections = (
        (daily_caption, chart.legend, chart.daily),
        ("各下级办结用时（小时）", list(TIMES_LEGEND), chart.times),
    )
    height = TITLE + sum(CAPTION + LEGEND + panel.height for _, _, panel in sections)
    image = Image.new("RGB", (WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    draw.text((WIDTH / 2, 6), chart.title, fill=INK, font=_font(16), anchor="mt")
    top = TITLE
    for caption, legend, panel in sections:
        draw.text((8, top + 4), caption, fill=INK, font=_font(14))
        _legend(draw, legend, top + CAPTION)
        _panel(draw, panel, top + CAPTION + LEGEND)
        top += CAPTION + LEGEND + panel.height
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


def _legend(draw: ImageDraw.ImageDraw, legend: list[tuple[str, str]], y: float) -> None:
    x = 8.0
    for label, colour in legend:
        draw.rectangle((x, y + 4, x + 12, y + 16), fill=colour)
        draw.text((x + 16, y + 2), label, fill=INK, font=_font(12))
        x += 16 + draw.textlength(label, font=_font(12)) + 14


def _panel(draw: ImageDraw.ImageDraw, panel: Panel, top: float) -> None:
    small = _font(11)
    if panel.empty:
        draw.text(
            (WIDTH / 2, top + panel.height / 2), "暂无数据", fill=INK, font=small, anchor="mm"
        )
        return
    for r in panel.rects:
        draw.rectangle((r.x, top + r.y, r.x + r.width, top + r.y + r.height), fill=r.color)
    for label in panel.x_labels:  # placed like the SVG's text: middle, on the baseline
        draw.text((label.x, top + label.y), label.text, fill=AXIS_INK, font=small, anchor="ms")
    for label in panel.y_labels:  # right-aligned on the baseline
        draw.text((label.x, top + label.y), label.text, fill=AXIS_INK, font=small, anchor="rs")
