"""寻人: the active missing-person alerts of the person's subtree (tickets/alert_board.py), and
最新情况 / 已找到 taken from the page through the chat's own functions
(tickets/alert_actions.py: the ticket's events, the edit broadcast of every copy and the
reporter's group line, written in the request's transaction).

After the commit the broadcast engine is woken for the edit broadcast through the 群发 desk's
hook (`BroadcastHooks.sent`, console/desk_hooks.py); the page then says what was queued, never
what was delivered. A refusal the page can word (found already, empty text, …) comes back to
the list as `?refused=<reason>&n=<number>`; an alert (or `?node=`) outside the subtree is the 403
page.
"""

from __future__ import annotations

from aiohttp import web

from console.auditing import AUDIT, audit_as
from console.context import actor, db, now, settings
from console.desk_hooks import hooks
from console.pages import page, redirect
from console.ticket_detail import ticket_number
from console.tickets import scope_node
from models.access import Refused
from models.alerts import AlertStatus
from models.tree_service import node_by_code
from tickets.access import Refusal
from tickets.alert_actions import post_alert_update, report_found
from tickets.alert_board import alerts_under
from tickets.alert_texts import texts_for

routes = web.RouteTableDef()
RECENTLY_FOUND = 10
BACK = "/alerts"
# Refusals answered as their own page: outside the subtree (403), no such ticket (404).
NOT_WORDED = frozenset({Refusal.forbidden.value, "scope"})


@routes.get("/alerts")
async def alert_page(request: web.Request) -> web.Response:
    """The alerts under the person's own node, or under `?node=CODE` of their subtree."""
    session, who, at = db(request), actor(request), now(request)
    code = request.query.get("node", "").strip()
    node = await node_by_code(session, code) if code else scope_node(who)
    if node is None:
        raise web.HTTPNotFound()
    active = await alerts_under(session, who, node, at)
    found = await alerts_under(
        session, who, node, at, status=AlertStatus.found, limit=RECENTLY_FOUND
    )
    query = request.query
    return page(
        request,
        "console/alerts.html",
        title="寻人",
        scope=node,
        active=active,
        found=found,
        done=query.get("done", ""),
        refused=query.get("refused", ""),
        number=_digits(query.get("n", "")),
        copies=_digits(query.get("copies", "")),
    )


@routes.post(r"/alerts/{number:\d+}/{action:update|found}")
async def alert_action(request: web.Request) -> web.Response:
    number, action = ticket_number(request), request.match_info["action"]
    audit_as(request, f"alert_{action}", f"#{number}")
    text = " ".join(str((await request.post()).get("text", "")).split())
    if action == "update" and not text:
        return _refused(request, number, "empty")
    session, who, at = db(request), actor(request), now(request)
    texts = texts_for(settings(request))
    try:
        if action == "update":
            done = await post_alert_update(session, number, who, text, texts, at)
        else:
            done = await report_found(session, number, who, text, texts, at)
    except Refused as refused:
        reason = str(refused.reason)
        if reason == Refusal.unknown.value:
            raise web.HTTPNotFound() from refused
        if reason in NOT_WORDED:
            raise
        return _refused(request, number, reason)
    edit = done.broadcast
    edit_id, copies = (edit.id, edit.total) if edit is not None else (None, 0)
    await session.commit()
    if edit_id is not None:
        _wake_engine(request, edit_id)
    return redirect(f"{BACK}?done={action}&n={number}&copies={copies}")


def _wake_engine(request: web.Request, broadcast_id: int) -> None:
    """After the commit: the engine sends the queued edit of every copy now (without the
    bot's process, the running bot finds it on its own scan)."""
    found = hooks(request)
    if found is not None:
        found.sent(broadcast_id)


def _digits(value: str) -> str:
    return value if value.isascii() and value.isdigit() and len(value) <= 12 else ""


def _refused(request: web.Request, number: int, reason: str) -> web.Response:
    """Back to the list, which words the refusal; audited `refused:<reason>`."""
    note = request.get(AUDIT)
    if note is not None:
        note.refused(reason)
    return redirect(f"{BACK}?refused={reason}&n={number}")
