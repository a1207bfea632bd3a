"""The web console: the same database, domain, scopes, outbox and audit log as the chat,
served as Chinese HTML pages to staff at their office PCs (issue #12).

How a page is added (see each module's docstring for the details):
- a module `console/<page>.py` with `routes = web.RouteTableDef()`; handlers read the request's
  database session and person with `console.context.db(request)` / `actor(request)` (one
  transaction per request, committed after the handler), check scope with
  `console.pages.require_covers(request, node)` (or let a domain `Refused` go: it becomes the
  403 page), and answer with `console.pages.page(request, "console/<page>.html", **context)`,
  `fragment(...)` for a self-refreshing part, or `redirect(url)` after a form;
- its routes are listed in console/routes.py (`PAGES`), its nav entry in console/nav.py;
- its templates are templates/console/<page>.html extending console/base.html; forms carry
  `<input type="hidden" name="_csrf" value="{{ csrf }}">`;
- every POST is audited by itself (console/auditing.py); `audit_as(request, "claim", "#12")`
  names the action.
Tests log a client in with tests/support/console.py (`console_client`, `log_in`).
"""
