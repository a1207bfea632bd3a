"""`gridbot console` (serve the web console), `gridbot console-link` (a first login link),
and the console beside the bot for `gridbot run --console`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from core.clock import Clock
from core.config import ConfigError, ConsoleSettings, Settings
from core.db import make_session_factory, open_engine, session_scope
from core.logsetup import setup_logging
from core.timezone import cli_time, district_zone
from models.access import Refused, load_person_actor
from models.login_service import issue_link
from models.people import Person

if TYPE_CHECKING:
    from aiohttp import web

    from console.desk_hooks import BroadcastHooks


def add_parsers(sub: Any) -> None:
    serve = sub.add_parser("console", help="serve the web console (host and port from [console])")
    serve.set_defaults(func=console)
    link = sub.add_parser(
        "console-link", help="print a one-time web console login link for a staff member"
    )
    link.add_argument("--person", required=True, metavar="KEY", help="their key, e.g. C0001")
    link.set_defaults(func=console_link)


async def start_beside(
    settings: Settings,
    factory: async_sessionmaker[AsyncSession],
    clock: Clock,
    broadcast_hooks: BroadcastHooks | None = None,
) -> web.AppRunner:
    """The console on [console] host:port, in this process (with the bot, or alone: then
    without `broadcast_hooks`, and the bot finds the desk's broadcasts on its own scans)."""
    from bot.policy import ticket_policy
    from console.app import make_app, start_console
    from handlers.notices import Notifier

    conf = settings.console
    writer = Notifier(factory, district_zone(settings))
    app = make_app(
        factory,
        settings,
        clock,
        broadcast_hooks=broadcast_hooks,
        writer=writer,
        policy=ticket_policy(settings.tickets),
    )
    try:
        runner = await start_console(app, conf.host, conf.port)
    except OSError as exc:  # worded in one line by cli.main, as a setting to change
        raise ConfigError(
            f"[console] cannot listen on {conf.host}:{conf.port} ({exc.strerror or exc}); "
            "set another [console] port or stop what uses it"
        ) from exc
    port = runner.addresses[0][1] if runner.addresses else conf.port  # port 0: the one taken
    print(
        f"web console on http://{conf.host}:{port}/ (links point to {conf.public_url})",
        file=sys.stderr,
    )
    return runner


def stop_signal() -> asyncio.Event:
    """An event set by Ctrl-C or SIGTERM (handlers installed now, before anything starts)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    return stop


async def console(args: argparse.Namespace) -> int:
    settings: Settings = args.settings
    setup_logging(settings.logging.level, [])
    stop = stop_signal()
    engine = await open_engine(settings.database.url)
    try:
        runner = await start_beside(settings, make_session_factory(engine), Clock())
        try:
            await stop.wait()
        finally:
            await runner.cleanup()
    finally:
        await engine.dispose()
    return 0


async def console_link(args: argparse.Namespace) -> int:
    settings: Settings = args.settings
    conf, now = settings.console, Clock().now()
    engine = await open_engine(settings.database.url)
    try:
        url = await login_link(make_session_factory(engine), conf, args.person, now)
    except LookupError:
        print(f"gridbot: no person with the key {args.person}", file=sys.stderr)
        return 1
    except NotStaff as exc:
        print(
            f"gridbot: {args.person} ({exc.name}) holds no staff role; "
            "the console is for staff only",
            file=sys.stderr,
        )
        return 1
    finally:
        await engine.dispose()
    print(url)
    until = cli_time(now + timedelta(minutes=conf.link_minutes), district_zone(settings))
    print(f"single use; valid until {until}; open it in a browser", file=sys.stderr)
    return 0


class NotStaff(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


async def login_link(
    factory: async_sessionmaker[AsyncSession], conf: ConsoleSettings, key: str, now: datetime
) -> str:
    """A one-time login link for the person `key` (LookupError: no such person; NotStaff)."""
    async with session_scope(factory) as session:
        found = await session.execute(select(Person).where(col(Person.key) == key))
        person = found.scalar_one_or_none()
        if person is None or person.id is None:
            raise LookupError(key)
        try:
            actor = await load_person_actor(session, person.id)
            token = issue_link(session, actor, now, conf.link_minutes)
        except Refused:
            raise NotStaff(person.name) from None
    return conf.link_url(token)
