"""The daily digest: at the configured local time every official and admin gets the day's
figures for their subtree, once. A `JobRun` row (job "digest", key "day:person") commits with
the digest's outbox messages, so neither a restart nor a second bot process queues it twice."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from models.audit import JobRun
from models.outgoing import Priority
from models.people import Person, Role, RoleKind
from models.tree import Node
from outbox.write import say
from stats.breakdown import build_report
from stats.period import days_period
from stats.present import labelled
from templates import render

log = logging.getLogger("gridbot.digest")

JOB = "digest"
READERS = (RoleKind.community_admin, RoleKind.town_admin, RoleKind.district_official)
WORST_SHOWN = 3


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


async def digest_texts(session: AsyncSession, reader: Reader, day: date, tz: tzinfo) -> list[str]:
    period = days_period(day, day, tz)
    texts = []
    for node in reader.nodes:
        report = await build_report(session, node, period)
        worst = [p for p in report.parts if p.figures.tickets][:WORST_SHOWN]
        texts.append(render("digest_daily", r=report, shown=worst, **labelled(report.total)))
    return texts


async def queue_digests(
    factory: async_sessionmaker[AsyncSession], now: datetime, tz: tzinfo, hhmm: str
) -> int:
    """Write today's digest to the outbox for every reader who has not had it; the number of
    readers queued now. The `JobRun` mark and the messages commit together, so a digest is
    never queued twice and never marked without its messages; the courier delivers them."""
    day = due_day(now, tz, hhmm)
    if day is None:
        return 0
    async with factory() as session:
        people = await readers(session)
    queued = 0
    for reader in people:
        try:
            async with factory() as session, session.begin():
                session.add(JobRun(job=JOB, key=f"{day.isoformat()}:{reader.person_id}"))
                await session.flush()
                for text in await digest_texts(session, reader, day, tz):
                    say(
                        session,
                        reader.chat_id,
                        text,
                        priority=Priority.routine,
                        person_id=reader.person_id,
                    )
        except IntegrityError:
            continue  # already queued (another run, another process)
        queued += 1
    if queued:
        log.info("digest of %s queued for %d people", day, queued)
    return queued
