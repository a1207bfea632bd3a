"""`gridbot stats rebuild-totals`: count the daily totals again (models/totals_rebuild.py).

`gridbot db upgrade` runs it too whenever the totals are not (yet) counted in the configured
zone: after the migration that adds them to a database holding tickets, or after a change of
`[tickets] timezone`. Safe while the bot runs (ticket changes wait for it) and idempotent.
"""

from __future__ import annotations

import argparse
import time

from sqlalchemy.ext.asyncio import AsyncEngine

from core.config import Settings
from core.db import make_session_factory, open_engine
from core.timezone import district_zone
from models.totals_rebuild import rebuild_totals
from models.totals_write import counted_zone


async def rebuild(engine: AsyncEngine, settings: Settings) -> str:
    zone = district_zone(settings)
    started = time.perf_counter()
    async with make_session_factory(engine)() as session, session.begin():
        await rebuild_totals(session, zone)
    return f"daily totals counted again in {zone.key} ({time.perf_counter() - started:.1f} s)"


async def rebuild_if_needed(engine: AsyncEngine, settings: Settings) -> str | None:
    """Rebuild when the totals are not counted in the configured zone; what was done."""
    async with make_session_factory(engine)() as session:
        zone = await counted_zone(session)
    if zone is not None and zone.key == district_zone(settings).key:
        return None
    return await rebuild(engine, settings)


async def rebuild_totals_command(args: argparse.Namespace) -> int:
    settings: Settings = args.settings
    engine = await open_engine(settings.database.url)
    try:
        print(await rebuild(engine, settings))
    finally:
        await engine.dispose()
    return 0
