"""总览 (GET /): the /stats figures of a node and period, its chart, the urgent and overdue
tickets, the weakest children and the headcount, refreshing itself every minute.

Everything comes from stats/overview.py, which is /stats's own report (build_report), so the
page agrees with /stats, `gridbot stats` and the digest. The node and period are read by
console/node_query.py (`?node=`, `?period=` or `?from=&to=`); `/overview/figures` is the same
page's figures alone for the self-refreshing element (console.js `data-refresh`). The chart is
drawn inline as SVG (console/chart_svg.py: no matplotlib on the page's path); `/chart.png` is
the same layout painted as a PNG for download (console/chart_png.py).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from classify.extract import mask_phones
from console.chart_png import render_chart_png
from console.chart_svg import layout
from console.context import actor, db, now, settings
from console.node_query import PeriodChoice, chosen_node, chosen_period, query_string
from console.pages import HTML, fragment, page, render_html
from core.text import cut
from core.timezone import district_zone
from models.tree import Node
from stats.breakdown import build_report
from stats.chart import chart_data
from stats.overview import overview
from stats.present import labelled
from tickets.board_page import EXCERPT

routes = web.RouteTableDef()

REFRESH_SECONDS = 60


async def _figures(request: web.Request, node: Node, choice: PeriodChoice) -> dict[str, Any]:
    """What console/overview_figures.html shows (nothing but the problem for a bad period)."""
    context: dict[str, Any] = {
        "choice": choice,
        "node_query": lambda n: query_string(n, choice),
        "chart_query": query_string(node, choice, at=now(request).strftime("%Y%m%d%H%M")),
        "excerpt": lambda text: cut(mask_phones(text), EXCERPT),  # as the 工单 table shows it
        "seen": None,
    }
    if choice.period is not None:
        seen = await overview(db(request), actor(request), node, choice.period, now(request))
        chart = layout(chart_data(seen.report))
        context.update(seen=seen, chart=chart, **labelled(seen.report.total))
    return context


@routes.get("/")
async def overview_page(request: web.Request) -> web.Response:
    node, choice = await chosen_node(request), chosen_period(request)
    return page(
        request,
        "console/overview.html",
        title="总览",
        node=node,
        form=request.query,
        refresh=f"/overview/figures{query_string(node, choice)}",
        every=REFRESH_SECONDS,
        **await _figures(request, node, choice),
    )


@routes.get("/overview/figures")
async def overview_figures(request: web.Request) -> web.Response:
    """The figures part of the page alone, for the self-refreshing element."""
    node, choice = await chosen_node(request), chosen_period(request)
    context = await _figures(request, node, choice)
    zone = district_zone(settings(request))  # the page's layout gives it; a fragment has none
    return fragment("console/overview_figures.html", zone=zone, **context)


@routes.get("/chart.png")
async def chart_png(request: web.Request) -> web.Response:
    """The page's chart (tickets per day by category, resolution times per child) as a PNG."""
    node, choice = await chosen_node(request), chosen_period(request)
    if choice.period is None:
        text = render_html("console/overview_problem.html", choice=choice)
        return web.Response(text=text, content_type=HTML, status=400)
    report = await build_report(db(request), node, choice.period, daily=True)
    png = render_chart_png(layout(chart_data(report)))
    return web.Response(body=png, content_type="image/png")
