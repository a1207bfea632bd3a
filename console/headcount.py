"""人口统计: a day's headcount round seen from a node of the person's subtree
(work/headcount_board.py, as /headcount_status shows it): the total, each child with
answered/total grids and its figure, and the grids still missing, a page at a time.

`?node=CODE` drills down (403 outside the subtree, the refusal page), `?date=YYYY-MM-DD` looks
at an earlier day's round (the board is asked as of that day's last moment), `?page=N` pages
the missing grids. A bad value is worded on the page, never answered with an error page.
"""

from __future__ import annotations

from datetime import date, datetime, time, tzinfo
from typing import Any

from aiohttp import web
from sqlmodel import col, select

from console.context import actor, db, now, settings
from console.pages import page
from console.tickets import link, scope_node
from core.timezone import district_zone
from models.tree import Node
from models.tree_service import ancestors_and_self, node_by_code
from work.headcount_board import MISSING_PAGE, HeadcountBoard, headcount_board

routes = web.RouteTableDef()
SHOWN = MISSING_PAGE  # missing grids a page


@routes.get("/headcount")
async def headcount_page(request: web.Request) -> web.Response:
    zone, at = district_zone(settings(request)), now(request)
    today = at.astimezone(zone).date()
    query = request.query
    shown: dict[str, Any] = {"problems": [], "trail": [], "parents": {}}
    day = _day(query.get("date", ""), today, shown["problems"])
    node = await _node(request, query.get("node", ""), shown["problems"])
    number = _page_number(query.get("page", ""), shown["problems"])
    board = None
    if node is not None:
        moment = at if day == today else _end_of(day, zone)
        board = await headcount_board(
            db(request), actor(request), node, moment, zone,
            missing_offset=(number - 1) * SHOWN, missing_limit=SHOWN,
        )  # fmt: skip
        shown["trail"] = await _trail(request, node)
        shown["parents"] = await _parents(request, board)
    return page(
        request,
        "console/headcount.html",
        status=404 if node is None else 200,
        title="人口统计",
        node=node,
        day=day,
        today=today,
        board=board,
        page_number=number,
        page_size=SHOWN,
        link=link,
        **shown,
    )


def _day(value: str, today: date, problems: list[str]) -> date:
    if not value:
        return today
    try:
        chosen = date.fromisoformat(value.strip())
    except ValueError:
        problems.append("bad_date")
        return today
    if chosen > today:
        problems.append("future")
        return today
    return chosen


def _end_of(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time.max, zone)


def _page_number(value: str, problems: list[str]) -> int:
    if not value:
        return 1
    if not value.isascii() or not value.isdigit() or not 0 < int(value) < 100_000:
        problems.append("bad_page")
        return 1
    return int(value)


async def _node(request: web.Request, code: str, problems: list[str]) -> Node | None:
    """The node asked for (scope checked by the board), else the person's own."""
    if not code.strip():
        return scope_node(actor(request))
    found = await node_by_code(db(request), code)
    if found is None:
        problems.append("unknown_node")
    return found


async def _trail(request: web.Request, node: Node) -> list[Node]:
    """The node's ancestors the person may open, for the links back up."""
    who = actor(request)
    return [n for n in await ancestors_and_self(db(request), node) if who.covers(n)]


async def _parents(request: web.Request, board: HeadcountBoard | None) -> dict[int, Node]:
    """The parent of each missing grid on the page (grid names repeat across communities)."""
    ids = {grid.parent_id for grid in board.missing if grid.parent_id} if board else set()
    if not ids:
        return {}
    rows = await db(request).execute(select(Node).where(col(Node.id).in_(ids)))
    return {n.id: n for n in rows.scalars() if n.id is not None}
