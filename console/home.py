"""首页 for now: who is logged in and the nodes they hold roles on.

The 总览 page replaces it (its module then owns GET /).
"""

from __future__ import annotations

from aiohttp import web

from console.context import actor, db
from console.pages import page
from models.access import STAFF
from models.tree_service import ancestors_and_self, path_text

routes = web.RouteTableDef()


@routes.get("/")
async def home(request: web.Request) -> web.Response:
    held = [h for h in actor(request).held if h.kind in STAFF]
    places = [
        (h.kind, h.node, path_text(await ancestors_and_self(db(request), h.node)))
        for h in sorted(held, key=lambda h: h.node.lineage)
    ]
    return page(request, "console/home.html", title="首页", places=places)
