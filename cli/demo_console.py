"""`gridbot demo --console`: after the scenes, the web console on the demo's data.

The emulator and the bot keep running, now on the real time, and the console is served beside
them as `gridbot run --console` serves it (same process, same database, the bot's broadcast
hooks), on `[console]` host and port. A one-time login link for the district official is
printed; Ctrl-C (or SIGTERM) stops the console, then the demo shuts down as usual.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from cli.console import login_link, start_beside, stop_signal
from core.config import ConsoleSettings
from core.timezone import cli_time, district_zone
from demo.ticker import TICKER
from models.people import RoleKind

if TYPE_CHECKING:
    from demo.runner import Afterwards, Stage


def console_after_demo(conf: ConsoleSettings) -> Afterwards:
    """What `run_demo` does after its scenes: serve the console until stopped."""

    async def serve(stage: Stage) -> None:
        stop = stop_signal()
        runtime = stage.runtime
        settings = runtime.settings.model_copy(update={"console": conf})
        runner = await start_beside(
            settings, runtime.session_factory, runtime.clock, runtime.console_hooks()
        )
        try:
            official = next(s for s in stage.staff if s.role == RoleKind.district_official)
            now = runtime.clock.now()
            url = await login_link(runtime.session_factory, conf, official.person, now)
            expires = now + timedelta(minutes=conf.link_minutes)
            until = cli_time(expires, district_zone(settings))
            TICKER.say(
                f"\n== web console on the demo data (real time from now on): {conf.public_url}\n"
                f"== log in as {official.name} (区级干部, {official.person}); "
                f"one-time link, valid until {until}:\n{url}\n"
                f"== another link: gridbot console-link --person {official.person} "
                f"(with GRIDBOT_DATABASE_URL={settings.database.url})\n"
                "== Ctrl-C stops the console, the bot and the emulator"
            )
            await stop.wait()
        finally:
            TICKER.doing("正在关闭控制台")
            await runner.cleanup()

    return serve
