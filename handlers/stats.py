"""Figures in a private chat: /stats [NODE] [PERIOD] (text and a chart), /export (a CSV file)."""

from __future__ import annotations

import asyncio
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.config import Settings
from core.timezone import district_zone
from handlers.access import refusals
from handlers.common import reply
from models.access import Actor, Refused
from models.tree import Node
from models.tree_service import ancestors_and_self, node_by_code, path_text
from outbox.write import send_file
from stats.breakdown import build_report
from stats.chart import chart_data, render_png
from stats.export import export_csv
from stats.period import DEFAULT_PERIOD, Period, PeriodError, looks_like_period, parse_period
from stats.present import report_text
from templates import render

PRIVATE = F.chat.type == "private"


async def _scope(
    actor: Actor, command: CommandObject, session: AsyncSession, clock: Clock, tz: ZoneInfo
) -> tuple[Node, Period]:
    """Which node (the actor's own by default) and which period (7d by default)."""
    actor.require()
    words = (command.args or "").split()
    periods = [w for w in words if looks_like_period(w)]
    codes = [w for w in words if w not in periods]
    if len(periods) > 1 or len(codes) > 1:
        raise Refused("usage", command=f"/{command.command}")
    node = actor.nodes()[0]
    if codes:
        named = await node_by_code(session, codes[0])
        if named is None:
            raise Refused("unknown", code=codes[0])
        node = actor.require_node(named, code=named.code)
    try:
        period = parse_period(periods[0] if periods else DEFAULT_PERIOD, clock.now(), tz)
    except PeriodError as exc:
        raise Refused("period", error=exc) from exc
    return node, period


async def cmd_stats(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    actor: Actor,
) -> None:
    node, period = await _scope(actor, command, session, clock, district_zone(settings))
    report = await build_report(session, node, period, daily=True)
    reply(session, message, report_text(report))
    png = await asyncio.to_thread(render_png, chart_data(report))
    caption = render("stats_chart", path=report.path, label=period.label)
    send_file(session, message.chat.id, png, "stats.png", caption=caption, photo=True)


async def cmd_export(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    actor: Actor,
) -> None:
    node, period = await _scope(actor, command, session, clock, district_zone(settings))
    unmasked = settings.stats.unmasked_roles
    masked = not any(kind in unmasked for kind in actor.kinds_covering(node))
    data, rows = await export_csv(session, node, period, masked)
    name = f"tickets_{node.code}_{period.first:%Y%m%d}-{period.last:%Y%m%d}.csv"
    path = path_text(await ancestors_and_self(session, node))
    caption = render("export_caption", path=path, label=period.label, rows=rows, masked=masked)
    send_file(session, message.chat.id, data, name, caption=caption)


async def in_group(message: Message, command: CommandObject) -> None:
    raise Refused("private", command=f"/{command.command}")


def get_router() -> Router:
    router = Router(name="stats")
    worded = refusals("stats_refused")
    router.message.register(cmd_stats, Command("stats"), PRIVATE, flags=worded)
    router.message.register(cmd_export, Command("export"), PRIVATE, flags=worded)
    router.message.register(in_group, Command("stats", "export"), flags=worded)
    return router
