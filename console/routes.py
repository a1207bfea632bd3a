"""Every page module's routes, composed in one place (as handlers.get_routers() for chat).

A page module defines `routes = web.RouteTableDef()` with its handlers and is added to
`PAGES` below; its nav entry goes to console/nav.py. Later modules cannot take a path an
earlier one has (aiohttp refuses a duplicate), so a replacement page removes the old module
from this list (总览 replaced the first page, `home`).
"""

from __future__ import annotations

from aiohttp import web

from console import (
    alerts,
    desk,
    desk_compose,
    grid,
    headcount,
    login,
    overview,
    ticket_detail,
    tickets,
)

PAGES: tuple[web.RouteTableDef, ...] = (
    login.routes,  # /login, /login/{token}, /logout
    overview.routes,  # /, /overview/figures, /chart.png
    grid.routes,  # /grid, /grid/unbound, /grid/unreachable
    tickets.routes,  # /tickets, /tickets.csv
    ticket_detail.routes,  # /tickets/{number}, POST /tickets/{number}/{action}
    desk.routes,  # /broadcasts, /broadcasts/{id}…
    desk_compose.routes,  # /broadcasts/new, POST /broadcasts, /broadcasts/preview
    alerts.routes,  # /alerts, POST /alerts/{number}/update|found
    headcount.routes,  # /headcount
)


def all_routes() -> list[web.AbstractRouteDef]:
    return [route for table in PAGES for route in table]
