"""网格 (/grid): browse district → town → community → grid, search nodes by code or name, and
the lists an office chases every morning: grids without a bound group, staff the bot cannot
reach (/grid/unbound, /grid/unreachable).

The cards are stats/nodes.py's `browse` (groups, staff and reach, open tickets, the period's
办结率 and 满意率 from /stats's figures, the latest headcount); search and the lists are
stats/node_lists.py's. Node and period are read by console/node_query.py; every list is paged
with `?page=N`. A node outside the person's subtree answers 403.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from console.context import actor, db
from console.node_query import chosen_node, chosen_period, query_string
from console.pages import page
from console.tickets import scope_node
from stats.node_lists import PAGE, search_nodes, unbound_grids, unreachable_staff
from stats.nodes import CHILDREN_PAGE, browse

routes = web.RouteTableDef()


def page_number(request: web.Request) -> int:
    """`?page=N` (from 1); anything else is the first page."""
    raw = request.query.get("page", "1")
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < int(raw) < 10**6 else 1


def pages(total: int, size: int) -> int:
    return max(1, -(-total // size))


@routes.get("/grid")
async def grid_page(request: web.Request) -> web.Response:
    node, choice = await chosen_node(request), chosen_period(request)
    number, text = page_number(request), request.query.get("q", "").strip()[:50]
    context: dict[str, Any] = {"seen": None, "found": None}
    if text:
        top = scope_node(actor(request))
        found = await search_nodes(
            db(request), actor(request), top, text, offset=(number - 1) * PAGE, limit=PAGE
        )
        context.update(found=found, pages=pages(found.total, PAGE))
    elif choice.period is not None:
        seen = await browse(
            db(request),
            actor(request),
            node,
            choice.period,
            offset=(number - 1) * CHILDREN_PAGE,
            limit=CHILDREN_PAGE,
        )
        context.update(seen=seen, pages=pages(seen.children_total, CHILDREN_PAGE))
    return page(
        request,
        "console/grid.html",
        title="网格",
        node=node,
        choice=choice,
        form=request.query,
        q=text,
        number=number,
        link=lambda n, path="/grid": path + query_string(n, choice),
        page_link=lambda n: (
            "/grid" + query_string(None if text else node, choice, q=text, page=str(n))
        ),
        **context,
    )


async def _list_page(request: web.Request, which: str) -> web.Response:
    node, choice = await chosen_node(request), chosen_period(request)
    number = page_number(request)
    read = unbound_grids if which == "unbound" else unreachable_staff
    listed: Any = await read(
        db(request), actor(request), node, offset=(number - 1) * PAGE, limit=PAGE
    )
    return page(
        request,
        f"console/grid_{which}.html",
        title="网格",
        node=node,
        listed=listed,
        number=number,
        pages=pages(listed.total, PAGE),
        link=lambda n, path="/grid": path + query_string(n, choice),
        page_link=lambda n: f"/grid/{which}" + query_string(node, choice, page=str(n)),
    )


@routes.get("/grid/unbound")
async def unbound_page(request: web.Request) -> web.Response:
    """Counting grids under the node with no active group: where to bind one next."""
    return await _list_page(request, "unbound")


@routes.get("/grid/unreachable")
async def unreachable_page(request: web.Request) -> web.Response:
    """Staff under the node who never opened the bot's private chat (or blocked it since)."""
    return await _list_page(request, "unreachable")
