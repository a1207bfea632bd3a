"""The middlewares every console request passes through, outermost first (console/app.py):

1. `error_pages`: 404 / 405 / 500 as Chinese pages (without the layout: the request's
   transaction may be gone by then);
2. `database`: one session and transaction per request, committed when the handler returns
   (or redirects), rolled back on an error;
3. `authentication`: the session cookie → the `console_session` row and the person's Actor;
   without a live login, a redirect to /login (请通过机器人获取登录链接);
4. `auditing` (console/auditing.py): every change by a logged-in person in the audit log;
5. `refusals`: a `models.access.Refused` raised by a page or the domain under it → the 403
   page with the reason, audited `refused:<reason>`; the request's work so far commits, as in
   the bot;
6. `csrf`: every request but GET/HEAD/OPTIONS carries the session's token (`_csrf` form field
   or `X-CSRF-Token` header), or is refused.
Static files skip 2–6. Security headers are added to every response (`security_headers`).
"""

from __future__ import annotations

import logging
import secrets

from aiohttp import web

from console.auditing import AUDIT, SAFE_METHODS, auditing
from console.context import ACTOR, CLOCK, COOKIE, DB, FACTORY, LOGIN, Handler, db, settings
from console.pages import bare_page, is_public, page, redirect
from models.access import Refused, load_person_actor
from models.login_service import current_session, end_session

log = logging.getLogger("gridbot.console")
STATIC = "/static/"
LOGIN_NEEDED = "/login"
CSP = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def _static(request: web.Request) -> bool:
    return request.path.startswith(STATIC)


@web.middleware
async def error_pages(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status in (404, 405):
            return bare_page("console/error.html", status=exc.status, code=exc.status)
        raise
    except Exception:
        log.exception("console: %s %s failed", request.method, request.path)
        return bare_page("console/error.html", status=500, code=500)


@web.middleware
async def database(request: web.Request, handler: Handler) -> web.StreamResponse:
    if _static(request):
        return await handler(request)
    async with request.app[FACTORY]() as session:
        request[DB] = session
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            await (session.commit() if exc.status < 400 else session.rollback())
            raise
        except BaseException:
            await session.rollback()
            raise
        await session.commit()
        return response


@web.middleware
async def authentication(request: web.Request, handler: Handler) -> web.StreamResponse:
    if _static(request) or is_public(request.match_info.handler):
        return await handler(request)
    cookie = request.cookies.get(COOKIE)
    now = request.app[CLOCK].now()
    idle = settings(request).console.idle_hours
    row = await current_session(db(request), cookie, now, idle) if cookie else None
    who = await load_person_actor(db(request), row.person_id) if row is not None else None
    if row is not None and who is not None and not who.is_staff:
        end_session(row, now)  # no longer staff: the login ends with the roles
        row = None
    if row is None or who is None:
        return redirect(LOGIN_NEEDED)
    request[LOGIN], request[ACTOR] = row, who
    return await handler(request)


@web.middleware
async def refusals(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except Refused as refused:
        note = request.get(AUDIT)
        if note is not None:
            note.refused(str(refused.reason))
        if LOGIN not in request:
            reason = str(refused.reason)
            return bare_page("console/refused.html", status=403, reason=reason, **refused.fields)
        reason = str(refused.reason)
        return page(request, "console/refused.html", status=403, reason=reason, **refused.fields)


@web.middleware
async def csrf(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.method in SAFE_METHODS or LOGIN not in request:
        return await handler(request)
    given = request.headers.get("X-CSRF-Token")
    if given is None and request.content_type in FORMS:
        given = str((await request.post()).get("_csrf", ""))
    expected: str = request[LOGIN].csrf_token
    if not given or not secrets.compare_digest(given.encode(), expected.encode()):
        raise Refused("csrf")
    return await handler(request)


FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """Every response: a strict CSP, no framing, no sniffing, no referrer (a login link's token
    never leaves in a Referer); pages are never stored by a cache."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    if not _static(request):
        headers["Cache-Control"] = "no-store"


MIDDLEWARES = (error_pages, database, authentication, auditing, refusals, csrf)
