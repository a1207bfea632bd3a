"""`gridbot audit`: the staff audit log since a day or a moment, one tab-separated line each."""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from audit.log import entries_since
from core.config import Settings
from core.db import make_session_factory, open_engine, session_scope
from core.timezone import DAY_AND_TIME_SECONDS, cli_time, district_zone, local_time, zone_key


def parse_since(text: str, tz: ZoneInfo) -> datetime:
    """A day (its midnight) or an ISO moment, in the district's time zone unless it says."""
    try:
        return datetime.combine(date.fromisoformat(text), time(), tz)
    except ValueError:
        moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=tz)


async def audit(args: argparse.Namespace) -> int:
    settings: Settings = args.settings
    tz = district_zone(settings)
    try:
        since = parse_since(args.since, tz)
    except ValueError:
        print(
            f"gridbot: --since {args.since!r}: expected a day (2026-11-24) or an ISO time",
            file=sys.stderr,
        )
        return 2
    engine = await open_engine(settings.database.url)
    try:
        async with session_scope(make_session_factory(engine)) as session:
            rows = await entries_since(session, since, args.person)
    finally:
        await engine.dispose()
    for entry, person in rows:
        print(
            "\t".join(
                [
                    local_time(entry.at, tz, DAY_AND_TIME_SECONDS),
                    (person.key or "") if person else "",
                    person.name if person else "",
                    str(entry.chat_id or ""),
                    entry.command,
                    entry.args.replace("\t", " ").replace("\n", " "),
                    entry.outcome,
                ]
            )
        )
    who = f" by {args.person}" if args.person else ""
    print(
        f"{len(rows)} entries since {cli_time(since, tz)}{who}; times are {zone_key(tz)}",
        file=sys.stderr,
    )
    return 0
