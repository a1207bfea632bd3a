"""工单: the ticket board as a filterable, sortable, paged table, and its CSV export.

The filter is read from the query string (tickets/board.py) within the logged-in person's
highest node; a bad value is shown next to the form, never answered with an error page.
The detail page and its actions live in console/ticket_detail.py.
"""

from __future__ import annotations

from urllib.parse import urlencode

from aiohttp import web

from audit import log as audit_log
from console.context import actor, db, now, settings
from console.pages import page
from core.timezone import district_zone
from core.vocabulary import TICKET_CATEGORIES, Priority, TicketStatus
from models.access import STAFF, Actor, Refused
from models.tree import Node
from stats.board_export import board_csv
from tickets.board import BadFilter, BadValue, BoardFilter, Sort, parse_filter
from tickets.board_page import board_page

routes = web.RouteTableDef()
SORTS = {
    Sort.newest: "最新登记",
    Sort.oldest: "最早登记",
    Sort.priority: "紧急程度",
    Sort.deadline: "期限最近",
    Sort.updated: "最近更新",
}


def scope_node(who: Actor) -> Node:
    """The node the board shows: the highest of the person's staff nodes."""
    nodes = who.nodes(STAFF)
    if not nodes:
        raise Refused("not_staff")
    return min(nodes, key=lambda n: (len(n.lineage), n.lineage))


def masked_for(request: web.Request) -> bool:
    """Residents' phones and names are hidden unless a role is in [stats] unmasked_roles."""
    unmasked = settings(request).stats.unmasked_roles
    return not any(h.kind in unmasked for h in actor(request).held)


def read_filter(request: web.Request) -> tuple[BoardFilter | None, list[BadValue]]:
    node = scope_node(actor(request))
    assert node.id is not None
    try:
        return parse_filter(request.query, node.id, district_zone(settings(request))), []
    except BadFilter as bad:
        return None, bad.problems


def link(path: str, query: dict[str, str]) -> str:
    return f"{path}?{urlencode(query)}" if query else path


@routes.get("/tickets")
async def ticket_board(request: web.Request) -> web.Response:
    f, problems = read_filter(request)
    found = None
    if f is not None:
        try:
            found = await board_page(db(request), f, now(request))
        except BadFilter as bad:
            problems = bad.problems
    return page(
        request,
        "console/tickets.html",
        title="工单",
        scope=scope_node(actor(request)),
        form=request.query,
        problems=problems,
        board=found,
        link=link,
        sorts=SORTS,
        statuses=list(TicketStatus),
        categories=TICKET_CATEGORIES,
        priorities=list(Priority),
    )


@routes.get("/tickets.csv")
async def ticket_csv(request: web.Request) -> web.StreamResponse:
    f, _problems = read_filter(request)
    if f is None:
        return await ticket_board(request)
    rows = board_csv(db(request), f, now(request), masked=masked_for(request))
    try:
        first = await anext(rows)
    except BadFilter:
        return await ticket_board(request)
    who = actor(request)
    if who.person is not None:
        audit_log.record(
            db(request), who.person, user_id=who.user_id, chat_id=None,
            command="console:export_tickets", args=request.path_qs,
            outcome=audit_log.OK, at=now(request),
        )  # fmt: skip
    stamp = now(request).astimezone(f.zone).strftime("%Y%m%d-%H%M")
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="tickets-{stamp}.csv"',
        }
    )
    await response.prepare(request)
    await response.write(first)
    async for part in rows:
        await response.write(part)
    await response.write_eof()
    return response
