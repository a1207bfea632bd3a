"""One live-edited progress message in the sender's chat, then the final report."""

from __future__ import annotations

import asyncio
import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from broadcasts.service import Counts, broadcast_report, delivery_counts
from channels.telegram.sending import Refused, send_text
from templates import render

log = logging.getLogger("gridbot.broadcasts")
_followers: set[asyncio.Task[None]] = set()  # keep live-progress tasks referenced


async def show_progress(
    bot: Bot,
    factory: async_sessionmaker[AsyncSession],
    chat_id: int,
    broadcast_id: int,
    total: int,
) -> None:
    """Send the progress message of a just-created broadcast and keep it current until done."""
    first = render(
        "broadcast_progress",
        id=broadcast_id,
        c=Counts(total=total, pending=total),
        finished=False,
        failures=[],
    )
    try:
        status = await send_text(bot, chat_id, first)
    except Refused as exc:
        log.warning("progress of broadcast %s not shown: %s", broadcast_id, exc)
        return
    if status is None:
        return
    task = asyncio.create_task(
        follow(bot, factory, broadcast_id, chat_id, status.message_id, shown=first)
    )
    _followers.add(task)
    task.add_done_callback(_followers.discard)


async def follow(
    bot: Bot,
    factory: async_sessionmaker[AsyncSession],
    broadcast_id: int,
    chat_id: int,
    message_id: int,
    shown: str = "",
    interval: float = 2.0,
) -> None:
    """Edit the message as the outbox drains (at most every `interval` s); end with the report.

    `shown` is the text the message has now, so an unchanged figure is not sent again."""
    while True:
        async with factory() as session:
            counts = (await delivery_counts(session, [broadcast_id]))[broadcast_id]
            report = (
                await broadcast_report(session, broadcast_id) if not counts.remaining else None
            )
        text = render(
            "broadcast_progress",
            id=broadcast_id,
            c=counts,
            finished=report is not None,
            failures=[i.line() for i in report.failures][:20] if report else [],
        )
        if text != shown:
            try:
                await bot.edit_message_text(text=text, chat_id=chat_id, message_id=message_id)
                shown = text
            except (TelegramAPIError, TelegramNetworkError) as exc:
                log.warning("progress of broadcast %s not shown: %s", broadcast_id, exc)
        if report is not None:
            return
        await asyncio.sleep(interval)
