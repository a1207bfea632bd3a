"""Every console action in the staff audit log, as the bot's AuditMiddleware does for chat.

Each request that changes something (any method but GET/HEAD/OPTIONS) by a logged-in person
is one `audit_entry`: command `console:<METHOD> <route>` (e.g. `console:POST
/tickets/{number}/claim`), args the request's path, outcome `ok`, `refused:<reason>` (a
refusal page) or `error` (written in a transaction of its own, since the request's rolls back).
A page names its action more precisely with `audit_as(request, "claim", "#12")`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from audit import log as audit_log
from audit.log import AuditNote
from console.context import ACTOR, CLOCK, FACTORY, Handler, db
from core.db import session_scope
from models.access import Actor

log = logging.getLogger("gridbot.console")
SOURCE = "console:"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class ConsoleAction(AuditNote):
    """The audit note of one console request: what was done and how it ended."""

    command: str = ""
    args: str = field(default="")


AUDIT = web.RequestKey("audit", ConsoleAction)


def audit_as(request: web.Request, command: str, args: str = "") -> None:
    """Name this request's action in the audit log (`console:<command>`, with `args`)."""
    note = request.get(AUDIT)
    if note is not None:
        note.command, note.args = SOURCE + command, args


def record_action(
    session: AsyncSession, request: web.Request, who: Actor, command: str, args: str, outcome: str
) -> None:
    """One audit entry for `who` (the login page's, written before any actor is on the request)."""
    if who.person is None:
        return
    audit_log.record(
        session,
        who.person,
        user_id=who.user_id,
        chat_id=None,
        command=command,
        args=args,
        outcome=outcome,
        at=request.app[CLOCK].now(),
    )


@web.middleware
async def auditing(request: web.Request, handler: Handler) -> web.StreamResponse:
    who = request.get(ACTOR)
    if request.method in SAFE_METHODS or not isinstance(who, Actor) or not who.is_staff:
        return await handler(request)
    route = request.match_info.route.resource
    canonical = route.canonical if route is not None else request.path
    note = request[AUDIT] = ConsoleAction(command=f"{SOURCE}{request.method} {canonical}")
    note.args = request.path_qs
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        if exc.status >= 400:
            await _record_apart(request, who, note, f"{audit_log.REFUSED}:http_{exc.status}")
        else:
            record_action(db(request), request, who, note.command, note.args, note.outcome)
        raise
    except Exception:
        await _record_apart(request, who, note, audit_log.ERROR)
        raise
    record_action(db(request), request, who, note.command, note.args, note.outcome)
    return response


async def _record_apart(
    request: web.Request, who: Actor, note: ConsoleAction, outcome: str
) -> None:
    """The entry of a request whose own transaction rolls back."""
    try:
        async with session_scope(request.app[FACTORY]) as apart:
            record_action(apart, request, who, note.command, note.args, outcome)
    except Exception as exc:  # the database itself may be what failed
        log.warning("audit entry of a failed %s not written: %s", note.command, exc)
