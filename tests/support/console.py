"""The web console in tests: a small district with people to log in as, the console served
to aiohttp's test client, and logging a client in through a one-time link as a person does.

    async with console_client(session_factory, clock) as client:
        csrf = await log_in(client, session_factory, clock, "C0001")
        page = await client.get("/")
        await client.post("/logout", data={"_csrf": csrf})
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import select

from console.app import make_app
from console.desk_hooks import BroadcastHooks
from core.clock import Clock
from core.config import ConsoleSettings, Settings
from core.db import session_scope
from models.access import load_person_actor
from models.demo_data import generate_district
from models.importer import import_tree
from models.login_service import issue_link
from models.logins import ConsoleSession
from models.people import Person, Role, RoleKind
from models.tree import Node
from tickets.policy import TicketPolicy
from tickets.staff_actions import NoticeWriter

Client = TestClient[web.Request, web.Application]
RESIDENT_KEY = "R0001"  # a resident on file, with the resident role on GRID
GRID = "PG-01-001-01"


async def small_district(factory: async_sessionmaker[AsyncSession]) -> None:
    """The demo district of 8 grids (staff D0001, T0001, C0001, W0001, …) and one resident."""
    nodes, staff = generate_district(grids=8)
    async with session_scope(factory) as session:
        await import_tree(session, nodes, staff)
        grid = (await session.execute(select(Node).where(Node.code == GRID))).scalar_one()
        resident = Person(key=RESIDENT_KEY, name="王秀英", telegram_user_id=7000001)
        session.add(resident)
        await session.flush()
        assert resident.id is not None and grid.id is not None
        session.add(Role(person_id=resident.id, node_id=grid.id, kind=RoleKind.resident))


async def person_id(factory: async_sessionmaker[AsyncSession], key: str) -> int:
    async with factory() as session:
        person = (await session.execute(select(Person).where(Person.key == key))).scalar_one()
    assert person.id is not None
    return person.id


async def link_for(
    factory: async_sessionmaker[AsyncSession], clock: Clock, key: str, minutes: int = 10
) -> str:
    """A one-time login token for the staff member `key`, as /console would issue."""
    pid = await person_id(factory, key)
    async with session_scope(factory) as session:
        actor = await load_person_actor(session, pid)
        return issue_link(session, actor, clock.now(), minutes)


def console_settings(public_url: str = "http://127.0.0.1:8080") -> Settings:
    return Settings(console=ConsoleSettings(public_url=public_url))


@asynccontextmanager
async def console_client(
    factory: async_sessionmaker[AsyncSession],
    clock: Clock,
    settings: Settings | None = None,
    extra: web.RouteTableDef | None = None,
    hooks: BroadcastHooks | None = None,
    writer: NoticeWriter | None = None,
) -> AsyncIterator[Client]:
    """The console app on a test server (with `extra` routes, e.g. a test's own page); the
    client keeps cookies like a browser; `hooks` stand for the bot's engine and date jobs. With
    `writer` (the bot's Notifier) the ticket actions work, under the default ticket policy."""
    policy = TicketPolicy() if writer is not None else None
    app = make_app(
        factory,
        settings or console_settings(),
        clock,
        broadcast_hooks=hooks,
        writer=writer,
        policy=policy,
    )
    if extra is not None:
        app.add_routes(extra)
    async with TestClient(TestServer(app)) as client:
        yield client


async def log_in(
    client: Client,
    factory: async_sessionmaker[AsyncSession],
    clock: Clock,
    key: str,
) -> str:
    """Use a one-time link as the staff member `key` (the form the link's page submits);
    returns the session's CSRF token, which forms send as `_csrf`."""
    token = await link_for(factory, clock, key)
    response = await client.post(f"/login/{token}", allow_redirects=False)
    assert response.status == 303, await response.text()
    pid = await person_id(factory, key)
    async with factory() as session:
        rows = await session.execute(
            select(ConsoleSession)
            .where(ConsoleSession.person_id == pid)
            .order_by(ConsoleSession.id.desc())  # type: ignore[union-attr]
        )
        return rows.scalars().first().csrf_token  # type: ignore[union-attr]
