"""Logging in with a one-time link from the bot, and out.

GET /login/{token} checks the link and shows a page whose form POSTs it back (console.js
submits it at once; the button is there without JavaScript). The POST uses the link and sets
the session cookie. Two reasons not to use the link on the GET itself: Telegram fetches links
in messages for a preview, which would spend a single-use link; and a SameSite=Strict cookie
set during a navigation that started in another site (the chat) is not sent with the redirect
that follows, so the first page would not be logged in.
"""

from __future__ import annotations

from aiohttp import web

from console.auditing import SOURCE, record_action
from console.context import COOKIE, db, login, now, settings
from console.pages import bare_page, public, redirect
from models.access import Refused, load_person_actor
from models.login_service import LinkProblem, check_link, end_session, open_session, redeem_link

routes = web.RouteTableDef()
GONE: dict[str, int] = {LinkProblem.expired: 410, LinkProblem.used: 410, LinkProblem.unknown: 404}


def _failed(request: web.Request, refused: Refused) -> web.Response:
    reason = str(refused.reason)
    status = GONE.get(reason, 403)
    minutes = settings(request).console.link_minutes
    return bare_page("console/login_failed.html", status=status, reason=reason, minutes=minutes)


@routes.get("/login")
@public
async def login_needed(request: web.Request) -> web.Response:
    """Where a request without a live login lands: how to get a link."""
    minutes = settings(request).console.link_minutes
    return bare_page("console/login_needed.html", out="out" in request.query, minutes=minutes)


@routes.get("/login/{token}")
@public
async def login_confirm(request: web.Request) -> web.Response:
    token = request.match_info["token"]
    try:
        await check_link(db(request), token, now(request))
    except Refused as refused:
        return _failed(request, refused)
    return bare_page("console/login_confirm.html", token=token)


@routes.post("/login/{token}")
@public
async def login_with_link(request: web.Request) -> web.Response:
    session, moment = db(request), now(request)
    try:
        person_id = await redeem_link(session, request.match_info["token"], moment)
        who = await load_person_actor(session, person_id)
        who.require()  # still staff when the link is used
    except Refused as refused:
        return _failed(request, refused)
    opened = open_session(session, person_id, moment)
    record_action(session, request, who, SOURCE + "login", "", "ok")
    response = redirect("/")
    response.set_cookie(
        COOKIE,
        opened.cookie_token,
        httponly=True,
        samesite="Strict",
        secure=settings(request).console.secure_cookie,
        path="/",
    )
    return response


@routes.post("/logout")
async def logout(request: web.Request) -> web.Response:
    end_session(login(request), now(request))
    response = redirect("/login?out=1")
    response.del_cookie(COOKIE, path="/")
    return response
