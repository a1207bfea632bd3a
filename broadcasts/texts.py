"""Roll-up texts shared by the chat (/broadcast_report, /poll_results) and the command line."""

from __future__ import annotations

from datetime import tzinfo

from sqlalchemy.ext.asyncio import AsyncSession

from broadcasts.polls import poll_results
from broadcasts.reads import read_rollup
from broadcasts.service import delivery_counts
from core.timezone import DAY_AND_TIME, chat_time
from templates import render


async def report_text(session: AsyncSession, broadcast_id: int, zone: tzinfo) -> str:
    """Delivery figures and 已阅 counts, per child node of the target, worst read rate first."""
    rollup = await read_rollup(session, broadcast_id)
    counts = (await delivery_counts(session, [broadcast_id]))[broadcast_id]
    at = rollup.broadcast.scheduled_at
    scheduled = chat_time(at, zone, DAY_AND_TIME) if at else ""
    return render("broadcast_read_report", r=rollup, c=counts, scheduled=scheduled)


async def results_text(session: AsyncSession, broadcast_id: int) -> str:
    """A poll's answers per option: the total and per child node of the target."""
    return render("poll_results", p=await poll_results(session, broadcast_id))
