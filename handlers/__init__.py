"""aiogram routers, one module per audience, composed in one place."""

from __future__ import annotations

from aiogram import Router

from handlers import membership, officials, reports, residents, staff, workers


def get_routers() -> list[Router]:
    """Fresh routers for one Dispatcher (a router can belong to a single parent)."""
    # membership first: service messages (migrations) must not reach command handlers.
    return [
        membership.get_router(),
        staff.get_router(),
        residents.get_router(),
        workers.get_router(),
        officials.get_router(),
        reports.get_router(),  # last: it takes any remaining group message
    ]
