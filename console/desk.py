"""群发 desk, reading side: the list with live progress, one broadcast's report, cancelling.

The figures and the rules are broadcasts/desk_views.py's (the chat's own); composing is
console/desk_compose.py.
"""

from __future__ import annotations

from aiohttp import web

from broadcasts.desk_views import DeskPage, desk_cancel, desk_detail, desk_list
from broadcasts.management import CancelOutcome
from console.auditing import audit_as
from console.context import actor, csrf_token, db, now, settings
from console.desk_hooks import hooks
from console.pages import fragment, page, redirect
from core.timezone import district_zone

routes = web.RouteTableDef()

REFRESH_SECONDS = 5  # while any listed broadcast is still being sent


def _page_number(request: web.Request) -> int:
    raw = request.query.get("page", "1")
    return int(raw) - 1 if raw.isdigit() and int(raw) > 0 else 0


def _running(listing: DeskPage) -> bool:
    return any(row.progress.state.is_open for row in listing.rows)


@routes.get("/broadcasts")
async def broadcasts_page(request: web.Request) -> web.Response:
    listing = await desk_list(db(request), actor(request), _page_number(request))
    return page(
        request,
        "console/desk.html",
        title="群发",
        listing=listing,
        running=_running(listing),
        every=REFRESH_SECONDS,
    )


@routes.get("/broadcasts/rows")
async def broadcasts_rows(request: web.Request) -> web.Response:
    """The list's table alone, for the self-refreshing element."""
    listing = await desk_list(db(request), actor(request), _page_number(request))
    return fragment(
        "console/desk_rows.html", listing=listing, zone=district_zone(settings(request))
    )


def _broadcast_id(request: web.Request) -> int:
    raw = request.match_info["id"]
    if not raw.isdigit():
        raise web.HTTPNotFound()
    return int(raw)


@routes.get("/broadcasts/{id:\\d+}")
async def broadcast_page(request: web.Request) -> web.Response:
    number = _broadcast_id(request)
    detail = await desk_detail(db(request), actor(request), number)
    if detail is None:
        raise web.HTTPNotFound()
    return page(
        request,
        "console/desk_detail.html",
        title=f"群发 #{number}",
        detail=detail,
        cancelled=request.query.get("cancelled"),
        every=REFRESH_SECONDS,
    )


@routes.get("/broadcasts/{id:\\d+}/progress")
async def broadcast_progress(request: web.Request) -> web.Response:
    """One broadcast's live part alone (progress, cancel, delivery per child), for the
    self-refreshing element: a finished send shows its final table and no cancel button."""
    detail = await desk_detail(db(request), actor(request), _broadcast_id(request))
    if detail is None:
        raise web.HTTPNotFound()
    return fragment("console/desk_live.html", detail=detail, csrf=csrf_token(request))


@routes.post("/broadcasts/{id:\\d+}/cancel")
async def cancel_broadcast(request: web.Request) -> web.Response:
    number = _broadcast_id(request)
    audit_as(request, "cancel_broadcast", f"#{number}")
    done = await desk_cancel(db(request), actor(request), number, now(request))
    if done.outcome is CancelOutcome.unknown:
        raise web.HTTPNotFound()
    await db(request).commit()
    found = hooks(request)
    if found is not None and done.outcome in (CancelOutcome.cancelled, CancelOutcome.stopped):
        found.cancelled(number)
    return redirect(f"/broadcasts/{number}?cancelled={done.outcome.value}")
