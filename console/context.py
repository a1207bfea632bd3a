"""What a console request carries, and the accessors page modules read it with.

The app holds the settings, the session factory and the clock (`make_app`); the middlewares
put on each request its database session (one transaction per request), the login (the
`console_session` row) and the logged-in person's `Actor`. Page handlers never build these
themselves: `db(request)`, `actor(request)`, `csrf_token(request)`, `now(request)`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import Clock
from core.config import Settings
from models.access import Actor
from models.logins import ConsoleSession
from tickets.policy import TicketPolicy
from tickets.staff_actions import NoticeWriter

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

SETTINGS = web.AppKey("settings", Settings)
FACTORY = web.AppKey("session_factory", async_sessionmaker[AsyncSession])
CLOCK = web.AppKey("clock", Clock)
# The chat's notice writer and ticket policy, built by cli (absent: the ticket actions refuse).
WRITER: web.AppKey[NoticeWriter] = web.AppKey("notice_writer")
POLICY = web.AppKey("ticket_policy", TicketPolicy)

# What console/middlewares.py puts on each request (request[DB] …).
DB = web.RequestKey("db", AsyncSession)
ACTOR = web.RequestKey("actor", Actor)
LOGIN = web.RequestKey("login", ConsoleSession)
COOKIE = "gridbot_console"  # the session cookie: HttpOnly, SameSite=Strict, Secure behind https


def settings(request: web.Request) -> Settings:
    return request.app[SETTINGS]


def now(request: web.Request) -> datetime:
    return request.app[CLOCK].now()


def db(request: web.Request) -> AsyncSession:
    """The request's database session: committed after the handler, rolled back on an error."""
    return request[DB]


def actor(request: web.Request) -> Actor:
    """The logged-in staff member (person and roles), loaded once per request."""
    return request[ACTOR]


def login(request: web.Request) -> ConsoleSession:
    return request[LOGIN]


def csrf_token(request: web.Request) -> str:
    """The session's CSRF token: forms carry it as `_csrf`, scripts as `X-CSRF-Token`."""
    return login(request).csrf_token
