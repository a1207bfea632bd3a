"""The daily digest: at the configured local time every official and admin gets the day's
figures for their subtree, once. A `JobRun` row (job "digest", key "day:person") is committed
before the message goes out, so neither a restart nor a second bot process sends it twice."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from models.audit import JobRun
from models.people import Person, Role, RoleKind
from models.tree import Node
from stats.breakdown import build_report
from stats.period import days_period
from stats.present import labelled
from templates import render

log = logging.getLogger("gridbot.digest")

JOB = "digest"
READERS = (RoleKind.community_admin, RoleKind.town_admin, RoleKind.district_official)
WORST_SHOWN = 3

# Sends one text to a private chat; False means "not sent, try again later".
Send = Callable[[int, str], Awaitable[bool]]


@dataclass
class Reader:
    person_id: int
    chat_id: int
    nodes: list[Node]  # the tops of their subtrees


def due_day(now: datetime, tz: tzinfo, hhmm: str) -> date | None:
    """Today (local) once the digest time has passed; None before it, or when switched off."""
    if not hhmm:
        return None
    local = now.astimezone(tz)
    hours, minutes = (int(part) for part in hhmm.split(":"))
    return local.date() if local.time() >= time(hours, minutes) else None


async def readers(session: AsyncSession) -> list[Reader]:
    """Officials and admins the bot can reach in private, each with their top nodes."""
    result = await session.execute(
        select(Person, Node)
        .join(Role, col(Role.person_id) == Person.id)
        .join(Node, col(Node.id) == Role.node_id)
        .where(
            col(Role.kind).in_(READERS),
            col(Person.private_chat),
            col(Person.telegram_user_id).is_not(None),
        )
        .order_by(col(Person.id), col(Node.lineage))
    )
    found: dict[int, Reader] = {}
    for person, node in result.all():
        assert person.id is not None and person.telegram_user_id is not None
        reader = found.setdefault(person.id, Reader(person.id, person.telegram_user_id, []))
        if not any(node.lineage.startswith(top.lineage) for top in reader.nodes):
            reader.nodes.append(node)
    return list(found.values())


async def claim(factory: async_sessionmaker[AsyncSession], day: date, person_id: int) -> bool:
    """Mark the digest as sent before sending it; False when it already was."""
    try:
        async with factory() as session, session.begin():
            session.add(JobRun(job=JOB, key=f"{day.isoformat()}:{person_id}"))
    except IntegrityError:
        return False
    return True


async def release(factory: async_sessionmaker[AsyncSession], day: date, person_id: int) -> None:
    """The send failed: let a later run try again."""
    async with factory() as session, session.begin():
        await session.execute(
            delete(JobRun).where(
                col(JobRun.job) == JOB, col(JobRun.key) == f"{day.isoformat()}:{person_id}"
            )
        )


async def digest_texts(session: AsyncSession, reader: Reader, day: date, tz: tzinfo) -> list[str]:
    period = days_period(day, day, tz)
    texts = []
    for node in reader.nodes:
        report = await build_report(session, node, period)
        worst = [p for p in report.parts if p.figures.tickets][:WORST_SHOWN]
        texts.append(render("digest_daily", r=report, shown=worst, **labelled(report.total)))
    return texts


async def send_digests(
    factory: async_sessionmaker[AsyncSession], now: datetime, tz: tzinfo, hhmm: str, send: Send
) -> int:
    """Send today's digest to every reader who has not had it; the number sent now."""
    day = due_day(now, tz, hhmm)
    if day is None:
        return 0
    async with factory() as session:
        people = await readers(session)
    sent = 0
    for reader in people:
        if not await claim(factory, day, reader.person_id):
            continue
        try:
            async with factory() as session:
                texts = await digest_texts(session, reader, day, tz)
            delivered = [await send(reader.chat_id, text) for text in texts]
        except Exception:
            log.exception("digest for person %s failed; will retry", reader.person_id)
            delivered = [False]
        if all(delivered):
            sent += 1
        else:
            await release(factory, day, reader.person_id)
    if sent:
        log.info("digest of %s sent to %d people", day, sent)
    return sent
