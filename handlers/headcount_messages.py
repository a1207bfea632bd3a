"""Headcount messages: the prompt with its keypad, the status card, and the sweep's deliveries
(prompts when a round opens, reminders after its deadline, a summary to whoever opened it)."""

from __future__ import annotations

from datetime import datetime, tzinfo

from aiogram.types import InlineKeyboardMarkup
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from channels.telegram.channel import buttons_of
from channels.telegram.keyboards import keypad
from core.db import session_scope
from core.timezone import CLOCK_TIME, chat_time
from models.outgoing import Priority
from models.tree import Node
from models.tree_service import ancestors_and_self, path_text
from models.work import HeadcountRound
from outbox.write import say
from templates import render
from work.headcount import rollup
from work.headcount_due import SUMMARY, Due, claim, due_messages, finish_reminders

BATCH = 300  # messages per sweep: a district-wide round goes out over a few sweeps
MISSING_SHOWN = 20


def _hhmm(moment: datetime, tz: tzinfo) -> str:
    return chat_time(moment, tz, CLOCK_TIME)


async def prompt_card(
    session: AsyncSession, held: HeadcountRound, grid: Node, value: int, now: datetime, tz: tzinfo
) -> tuple[str, InlineKeyboardMarkup]:
    """The prompt (or, after the deadline, the reminder) for one grid, with its keypad."""
    root = await session.get(Node, held.node_id)
    text = render(
        "headcount_prompt",
        root=root.name if root else "",
        grid=path_text((await ancestors_and_self(session, grid))[-2:]),
        deadline=_hhmm(held.deadline_at, tz),
        reminder=held.deadline_at <= now,
        value=value,
    )
    return text, keypad(grid.id or 0, value)


async def status_card(
    session: AsyncSession, held: HeadcountRound, view: Node, tz: tzinfo, summary: bool = False
) -> str:
    """Totals of `view` and its children, and the grids still missing."""
    tally = await rollup(session, held, view)
    names = {t.node.id: t.node.name for t in tally.tallies.values()}
    missing = [
        f"{names[grid.parent_id]} › {grid.name}" if grid.parent_id in names else grid.name
        for grid in tally.missing[:MISSING_SHOWN]
    ]
    return render(
        "headcount_status",
        r=tally,
        path=path_text(await ancestors_and_self(session, view)),
        day=held.day,
        deadline=_hhmm(held.deadline_at, tz),
        missing=missing,
        summary=summary,
    )


async def deliver_headcount(
    factory: async_sessionmaker[AsyncSession], now: datetime, tz: tzinfo
) -> int:
    """Queue what is due for today's rounds, each message once (its claim commits with its
    outbox row); the number queued. The courier sends them."""
    async with session_scope(factory) as session:
        due = await due_messages(session, now, tz, BATCH)
    queued = 0
    for item in due:
        async with session_scope(factory) as session:
            if await claim(session, item, now):
                queued += await _queue(session, item, now, tz)
    if len(due) < BATCH:
        async with session_scope(factory) as session:
            await finish_reminders(session, now, tz)
    return queued


async def _queue(session: AsyncSession, item: Due, now: datetime, tz: tzinfo) -> int:
    assert item.person.telegram_user_id is not None
    markup: InlineKeyboardMarkup | None = None
    if item.job == SUMMARY or item.grid is None:
        root = await session.get(Node, item.round.node_id)
        if root is None:
            return 0
        text = await status_card(session, item.round, root, tz, summary=True)
    else:
        text, markup = await prompt_card(session, item.round, item.grid, 0, now, tz)
    say(
        session,
        item.person.telegram_user_id,
        text,
        buttons=buttons_of(markup),
        priority=Priority.notice,
        person_id=item.person.id,
    )
    return 1
