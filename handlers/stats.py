"""Figures in a private chat: /stats [NODE] [PERIOD] (text and a chart), /export (a CSV file)."""

from __future__ import annotations

import asyncio
import logging
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from audit.log import AuditNote
from core.clock import Clock
from core.config import Settings
from core.timezone import district_zone
from handlers.common import reply
from models.people import Person
from models.tree import Node
from models.tree_service import (
    ancestors_and_self,
    covering_roles,
    node_by_code,
    path_text,
    person_by_telegram,
)
from outbox.write import send_file
from stats.breakdown import build_report
from stats.chart import chart_data, render_png
from stats.export import export_csv
from stats.period import DEFAULT_PERIOD, Period, PeriodError, looks_like_period, parse_period
from stats.present import report_text
from templates import render
from work.scope import role_nodes

log = logging.getLogger("gridbot.stats")
PRIVATE = F.chat.type == "private"


class Refused(Exception):
    def __init__(self, reason: str, **context: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.text = render("stats_refused", reason=reason, **context)


async def _scope(
    message: Message, command: CommandObject, session: AsyncSession, clock: Clock, tz: ZoneInfo
) -> tuple[Person, Node, Period]:
    """Who asks, about which node (theirs by default) and which period (7d by default)."""
    user = message.from_user
    person = await person_by_telegram(session, user.id) if user else None
    own = await role_nodes(session, person) if person else []
    if person is None or not own:
        raise Refused("not_staff")
    words = (command.args or "").split()
    periods = [w for w in words if looks_like_period(w)]
    codes = [w for w in words if w not in periods]
    if len(periods) > 1 or len(codes) > 1:
        raise Refused("usage", command=f"/{command.command}")
    node = own[0]
    if codes:
        named = await node_by_code(session, codes[0])
        if named is None:
            raise Refused("unknown", code=codes[0])
        if not [r for r in await covering_roles(session, person, named) if r.kind.is_staff]:
            raise Refused("scope", code=named.code)
        node = named
    try:
        period = parse_period(periods[0] if periods else DEFAULT_PERIOD, clock.now(), tz)
    except PeriodError as exc:
        raise Refused("period", error=exc) from exc
    return person, node, period


async def cmd_stats(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    audit: AuditNote,
) -> None:
    try:
        _person, node, period = await _scope(
            message, command, session, clock, district_zone(settings)
        )
    except Refused as refused:
        audit.refused(refused.reason)
        reply(session, message, refused.text)
        return
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
    audit: AuditNote,
) -> None:
    try:
        person, node, period = await _scope(
            message, command, session, clock, district_zone(settings)
        )
    except Refused as refused:
        audit.refused(refused.reason)
        reply(session, message, refused.text)
        return
    roles = await covering_roles(session, person, node)
    masked = not any(role.kind in settings.stats.unmasked_roles for role in roles)
    data, rows = await export_csv(session, node, period, masked)
    name = f"tickets_{node.code}_{period.first:%Y%m%d}-{period.last:%Y%m%d}.csv"
    path = path_text(await ancestors_and_self(session, node))
    caption = render("export_caption", path=path, label=period.label, rows=rows, masked=masked)
    send_file(session, message.chat.id, data, name, caption=caption)


async def in_group(message: Message, command: CommandObject, session: AsyncSession) -> None:
    reply(
        session, message, render("stats_refused", reason="private", command=f"/{command.command}")
    )


def get_router() -> Router:
    router = Router(name="stats")
    router.message.register(cmd_stats, Command("stats"), PRIVATE)
    router.message.register(cmd_export, Command("export"), PRIVATE)
    router.message.register(in_group, Command("stats", "export"))
    return router
