"""Helpers for page modules: a page rendered in the layout, a redirect, the scope check.

    routes = web.RouteTableDef()

    @routes.get("/tickets/{number}")
    async def ticket_page(request: web.Request) -> web.Response:
        ticket = await ...(db(request), ...)
        node = require_covers(request, ticket_node)      # 403 page outside the actor's scope
        return page(request, "console/ticket.html", title="工单", ticket=ticket)

`page` renders templates/console/<name> (extending console/base.html) with the layout's
context; `fragment` renders a bare piece of HTML for `data-refresh` elements (console.js).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from aiohttp import web

from console.context import Handler, actor, csrf_token, settings
from console.nav import NAV
from core.timezone import district_zone
from core.vocabulary import RoleKind
from models.access import STAFF
from models.tree import Node
from templates import environment

HTML = "text/html"


def public(handler: Handler) -> Handler:
    """Mark a handler as open without a login (the login pages themselves)."""
    handler.console_public = True  # type: ignore[attr-defined]
    return handler


def is_public(handler: object) -> bool:
    return bool(getattr(handler, "console_public", False))


def render_html(template: str, /, **context: Any) -> str:
    """templates/<template> through the one Jinja2 environment (autoescaped)."""
    return environment().get_template(template).render(**context)


def layout(request: web.Request) -> dict[str, Any]:
    """What console/base.html needs: who is logged in, their roles and nodes, the nav, CSRF."""
    who = actor(request)
    held = sorted(who.held, key=lambda h: h.node.lineage)
    return {
        "person": who.person,
        "roles": [(h.kind, h.node) for h in held if h.kind in STAFF],
        "nav": [(entry, entry.active(request.path)) for entry in NAV],
        "csrf": csrf_token(request),
        "zone": district_zone(settings(request)),
    }


def page(
    request: web.Request, template: str, /, *, status: int = 200, **context: Any
) -> web.Response:
    """A whole page: `template` rendered with the layout context plus `context`."""
    text = render_html(template, **layout(request), **context)
    return web.Response(text=text, content_type=HTML, status=status)


def fragment(template: str, /, **context: Any) -> web.Response:
    """A piece of HTML (no layout) for an element that refreshes itself."""
    return web.Response(text=render_html(template, **context), content_type=HTML)


def bare_page(template: str, /, *, status: int = 200, **context: Any) -> web.Response:
    """A page without the logged-in layout (login, errors before or without a login)."""
    text = render_html(template, person=None, nav=[], csrf="", **context)
    return web.Response(text=text, content_type=HTML, status=status)


def redirect(location: str) -> web.Response:
    """303 See Other: after a form's POST, the browser GETs `location`."""
    return web.Response(status=303, headers={"Location": location})


def require_covers(
    request: web.Request, node: Node | None, kinds: Iterable[RoleKind] = STAFF
) -> Node:
    """`node` when the logged-in person's roles cover it (the chat's rule, models/access.py);
    else Refused("scope"), answered as the 403 page (console/middlewares.py)."""
    code = node.code if node is not None else ""
    return actor(request).require_node(node, kinds, code=code)
