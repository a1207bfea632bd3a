"""One ticket's page (工单 #N) and the chat's staff actions taken from it.

The actions go through tickets/staff_actions.py with the bot's notice writer, so the group
and the staff are told exactly what the chat would tell them; the page adds only its own
reply, carried to the ticket's page after the redirect (`?done=claim` / `?refused=closed`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from console.auditing import AUDIT, audit_as
from console.context import POLICY, WRITER, actor, db, now
from console.pages import page, redirect
from console.tickets import masked_for
from models.access import Actor, Refused
from tickets import staff_actions as staff
from tickets.access import Refusal
from tickets.board_detail import ticket_detail
from tickets.policy import TicketPolicy
from tickets.staff_actions import NoticeWriter

routes = web.RouteTableDef()
Act = Callable[
    [AsyncSession, int, Actor, str, datetime, TicketPolicy, NoticeWriter], Awaitable[object]
]
ACTIONS: dict[str, Act] = {
    "claim": lambda s, n, a, _t, at, p, w: staff.claim_ticket(s, n, a, at, p, w),
    "note": lambda s, n, a, t, at, _p, w: staff.note_ticket(s, n, a, t, at, w),
    "transfer": lambda s, n, a, t, at, p, w: staff.transfer_ticket(s, n, a, t, at, p, w),
    "escalate": lambda s, n, a, t, at, p, w: staff.escalate_ticket(s, n, a, t, at, p, w),
    "done": lambda s, n, a, t, at, p, w: staff.resolve_ticket(s, n, a, t, (), at, p, w),
    "false_alarm": lambda s, n, a, _t, at, p, w: staff.close_as_false_alarm(s, n, a, at, p, w),
}
NEEDS_TEXT = frozenset({"note", "transfer", "escalate"})


def ticket_number(request: web.Request) -> int:
    value = request.match_info["number"]
    if not value.isascii() or not value.isdigit() or len(value) > 12:
        raise web.HTTPNotFound()
    return int(value)


@routes.get(r"/tickets/{number:\d+}")
async def ticket_page(request: web.Request) -> web.Response:
    number = ticket_number(request)
    try:
        detail = await ticket_detail(
            db(request), number, actor(request), now(request), masked=masked_for(request)
        )
    except Refused as refused:
        if refused.reason != Refusal.unknown:
            raise
        return page(request, "console/ticket_missing.html", status=404, number=number)
    return page(
        request,
        "console/ticket.html",
        title=f"工单 #{number}",
        t=detail,
        done=request.query.get("done", ""),
        refused=request.query.get("refused", ""),
        actions_ready=WRITER in request.app,
    )


@routes.post(r"/tickets/{number:\d+}/{action}")
async def ticket_action(request: web.Request) -> web.Response:
    number, name = ticket_number(request), request.match_info["action"]
    act = ACTIONS.get(name)
    if act is None:
        raise web.HTTPNotFound()
    audit_as(request, name, f"#{number}")
    text = " ".join(str((await request.post()).get("text", "")).split())
    back = f"/tickets/{number}"
    if WRITER not in request.app:
        return _refused(request, back, "offline")
    if name in NEEDS_TEXT and not text:
        return _refused(request, back, "empty")
    if name == "transfer":
        text = text.split()[0].upper()
    writer, policy = request.app[WRITER], request.app[POLICY]
    try:
        await act(db(request), number, actor(request), text, now(request), policy, writer)
    except Refused as refused:  # an unknown ticket's page then answers 404
        return _refused(request, back, str(refused.reason))
    return redirect(f"{back}?done={name}")


def _refused(request: web.Request, back: str, reason: str) -> web.Response:
    """Back to the ticket's page, which words the refusal; audited `refused:<reason>`."""
    note = request.get(AUDIT)
    if note is not None:
        note.refused(reason)
    return redirect(f"{back}?refused={reason}")
