"""aiogram routers, one module per audience, composed in one place."""

from __future__ import annotations

from aiogram import Router

from handlers import (
    alerts,
    broadcast_compose,
    broadcast_marks,
    checklist,
    console_link,
    fallback,
    grid_posts,
    headcount,
    headcount_rounds,
    membership,
    officials,
    polls,
    reports,
    residents,
    reviews,
    staff,
    stats,
    work,
    workers,
)


def get_routers() -> list[Router]:
    """Fresh routers for one Dispatcher (a router can belong to a single parent)."""
    # membership first: service messages (migrations) must not reach command handlers.
    return [
        membership.get_router(),
        staff.get_router(),
        residents.get_router(),
        workers.get_router(),
        reviews.get_router(),  # 可能需要关注 and the classifier marks: buttons only
        alerts.get_router(),
        work.get_router(),  # the grid worker's day: before the broadcast draft's text step
        grid_posts.get_router(),
        checklist.get_router(),
        headcount.get_router(),
        headcount_rounds.get_router(),
        stats.get_router(),  # /stats, /export: commands, before any draft's text step
        console_link.get_router(),  # /console: a command, before any draft's text step
        officials.get_router(),
        broadcast_compose.get_router(),
        polls.get_router(),
        broadcast_marks.get_router(),
        reports.get_router(),  # it takes any remaining group message
        fallback.get_router(),  # last: an unknown command in private chat
    ]
