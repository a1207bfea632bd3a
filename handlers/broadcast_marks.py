"""Buttons under a broadcast copy in a group: 已阅, and a poll's options (one answer each)."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery
from sqlalchemy.ext.asyncio import AsyncSession

from broadcasts.polls import record_vote
from broadcasts.reads import record_read
from channels.telegram.callbacks import BroadcastRead, PollVote
from core.clock import Clock
from handlers.common import answer
from templates import render


def _chat_id(query: CallbackQuery) -> int:
    """The chat the pressed copy sits in (the presser's own id if Telegram did not say)."""
    return query.message.chat.id if query.message is not None else query.from_user.id


async def on_read(
    query: CallbackQuery, callback_data: BroadcastRead, session: AsyncSession, clock: Clock
) -> None:
    outcome = await record_read(
        session, callback_data.broadcast_id, query.from_user.id, _chat_id(query), clock.now()
    )
    answer(query, render("broadcast_marked", outcome=outcome))


async def on_vote(
    query: CallbackQuery, callback_data: PollVote, session: AsyncSession, clock: Clock
) -> None:
    vote = await record_vote(
        session,
        callback_data.broadcast_id,
        query.from_user.id,
        _chat_id(query),
        callback_data.option,
        clock.now(),
    )
    answer(query, render("poll_voted", status=vote.status, label=vote.label))


def get_router() -> Router:
    router = Router(name="broadcast_marks")
    router.callback_query.register(on_read, BroadcastRead.filter())
    router.callback_query.register(on_vote, PollVote.filter())
    return router
