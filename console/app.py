"""The console's aiohttp application, and serving it.

`make_app(session_factory, settings, clock)` is the whole console: routes (console/routes.py),
middlewares (console/middlewares.py), static files (console/static/ at /static/).
`start_console(app, host, port)` serves it beside anything else on the event loop (the bot in
`gridbot run --console`); the caller cleans the returned runner up.
"""

from __future__ import annotations

import gc
from pathlib import Path

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from console.context import CLOCK, FACTORY, POLICY, SETTINGS, WRITER
from console.desk_hooks import HOOKS, BroadcastHooks
from console.middlewares import MIDDLEWARES, security_headers
from console.routes import all_routes
from core.clock import Clock
from core.config import Settings
from tickets.policy import TicketPolicy
from tickets.staff_actions import NoticeWriter

STATIC_DIR = Path(__file__).parent / "static"
# A form may carry a photo for a broadcast (Telegram takes up to 10 MB); aiohttp's own limit
# is 1 MB.
MAX_REQUEST_BYTES = 11 * 1024 * 1024


def make_app(
    session_factory: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: Clock,
    *,
    broadcast_hooks: BroadcastHooks | None = None,
    writer: NoticeWriter | None = None,
    policy: TicketPolicy | None = None,
) -> web.Application:
    """`broadcast_hooks`: the bot's engine wake-up and date jobs (console/desk_hooks.py);
    `writer` and `policy` are the bot's (handlers.notices.Notifier, bot.policy), given by cli;
    without them the ticket actions are refused (the pages still show)."""
    app = web.Application(middlewares=MIDDLEWARES, client_max_size=MAX_REQUEST_BYTES)
    app[SETTINGS], app[FACTORY], app[CLOCK] = settings, session_factory, clock
    if broadcast_hooks is not None:
        app[HOOKS] = broadcast_hooks
    if writer is not None and policy is not None:
        app[WRITER], app[POLICY] = writer, policy
    app.add_routes(all_routes())
    app.router.add_static("/static/", STATIC_DIR, name="static")
    app.on_response_prepare.append(security_headers)
    app.on_startup.append(freeze_startup_objects)
    return app


async def freeze_startup_objects(_app: web.Application) -> None:
    """Keep what the process holds at startup (modules, templates, metadata) out of the
    garbage collector's full passes: without it, every few requests a full pass over them
    added some 70 ms to a 总览 (bench/console.py). Once per process."""
    if not _frozen:
        gc.collect()
        gc.freeze()
        _frozen.append(True)


_frozen: list[bool] = []  # whether freeze_startup_objects has run in this process


async def start_console(app: web.Application, host: str, port: int) -> web.AppRunner:
    """Serve `app` on host:port until the runner's cleanup()."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError:  # e.g. the port is taken: nothing is left half started
        await runner.cleanup()
        raise
    return runner
