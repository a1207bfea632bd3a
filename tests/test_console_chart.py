"""总览's inline chart: /stats's chart data laid out as SVG shapes (console/chart_svg.py)."""

from __future__ import annotations

import io
from datetime import date, timedelta

from PIL import Image

from console.chart_png import CAPTION, LEGEND, TITLE, render_chart_png
from console.chart_svg import DAILY_HEIGHT, WIDTH, layout, nice_top
from console.pages import render_html
from stats.chart import MAX_BARS, ChartData

DAY = date(2026, 11, 1)


def days(n: int) -> list[date]:
    return [DAY + timedelta(days=i) for i in range(n)]


def test_the_axis_top_is_a_round_number_at_least_the_largest_bar() -> None:
    assert [nice_top(v) for v in (0, 1, 3, 7, 10, 11, 180, 2001)] == [
        1,
        1,
        5,
        10,
        10,
        20,
        200,
        5000,
    ]


def test_each_days_categories_are_stacked_in_proportion_with_their_counts_as_titles() -> None:
    data = ChartData("平谷区｜近 3 天", days(3), {"报修": [3, 0, 1], "环境": [1, 2, 0]})
    chart = layout(data)
    titles = [r.title for r in chart.daily.rects]
    assert titles == [
        "2026-11-01 报修 3 件",
        "2026-11-03 报修 1 件",
        "2026-11-01 环境 1 件",
        "2026-11-02 环境 2 件",
    ]
    first_day = [r for r in chart.daily.rects if r.title.startswith("2026-11-01")]
    assert sum(r.height for r in first_day) == DAILY_HEIGHT * 4 / 5  # 4 tickets on an axis of 5
    assert [label.text for label in chart.daily.y_labels] == ["0", "2.5", "5"]
    assert chart.bucket_days == 1 and dict(chart.legend).keys() == {"报修", "环境"}


def test_two_years_are_summed_into_at_most_92_bars_and_no_ticket_is_lost() -> None:
    counts = [i % 7 for i in range(730)]
    chart = layout(ChartData("平谷区｜全部", days(730), {"报修": counts}))
    assert chart.bucket_days == 8
    assert len(chart.daily.rects) <= MAX_BARS
    shown = sum(int(r.title.rsplit(" ", 2)[1]) for r in chart.daily.rects)
    assert shown == sum(counts)
    assert chart.daily.rects[0].title.startswith("2026-11-01~2026-11-08 ")
    assert len(chart.daily.x_labels) <= 10


def test_resolution_times_list_the_children_top_down_with_both_percentiles() -> None:
    parts = [
        ("夏各庄镇", 5.0, 12.0),
        ("王辛庄镇", 2.0, 40.0),
    ]  # ChartData keeps matplotlib's order
    chart = layout(ChartData("平谷区｜近 30 天", days(1), {"报修": [1]}, parts))
    assert [label.text for label in chart.times.y_labels] == ["王辛庄镇", "夏各庄镇"]
    assert [r.title for r in chart.times.rects] == [
        "王辛庄镇 90%分位 40.0 小时",
        "王辛庄镇 中位数 2.0 小时",
        "夏各庄镇 90%分位 12.0 小时",
        "夏各庄镇 中位数 5.0 小时",
    ]
    widest = max(r.width for r in chart.times.rects)
    assert [label.text for label in chart.times.x_labels] == ["0", "25", "50"]
    assert widest == chart.times.rects[0].width and widest < 960


def test_no_tickets_draws_both_panels_as_empty() -> None:
    chart = layout(ChartData("平谷区｜今天", days(1), {}))
    assert chart.daily.empty and chart.times.empty
    assert not chart.daily.rects and not chart.times.rects


def test_the_drawn_chart_escapes_names_and_says_what_it_shows() -> None:
    data = ChartData("<script>x</script>｜近 3 天", days(2), {"报修": [1, 2]}, [("<b>镇", 1, 2)])
    html = render_html("console/overview_chart.html", chart=layout(data), chart_query="?p=1")
    assert "<script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    assert "&lt;b&gt;镇" in html and "<b>镇" not in html
    assert html.count('role="img"') == 2
    assert "<title>2026-11-02 报修 2 件</title>" in html
    assert 'href="/chart.png?p=1"' in html


def test_the_download_paints_the_pages_layout_at_its_width_even_when_empty() -> None:
    data = ChartData(
        "平谷区｜近 30 天", days(30), {"报修": [i % 5 for i in range(30)]}, [("镇", 1, 2)]
    )
    for chart in (layout(data), layout(ChartData("平谷区｜今天", days(1), {}))):
        image = Image.open(io.BytesIO(render_chart_png(chart)))
        assert image.format == "PNG" and image.width == WIDTH
        panels = chart.daily.height + chart.times.height
        assert image.height > panels  # the panels, with the title, captions and legends
    first_bar = layout(data).daily.rects[0]  # a day with tickets: painted in its colour
    at = (int(first_bar.x + 2), int(first_bar.y + 2 + TITLE + CAPTION + LEGEND))
    red, green, blue = image_of(data).getpixel(at)  # type: ignore[misc]
    assert f"#{red:02x}{green:02x}{blue:02x}" == first_bar.color


def image_of(data: ChartData) -> Image.Image:
    return Image.open(io.BytesIO(render_chart_png(layout(data)))).convert("RGB")
