"""aiogram routers, one module per audience, composed in one place."""

from __future__ import annotations

from aiogram import Router

from handlers import membership, residents, staff


def get_routers() -> list[Router]:
    # membership first: service messages (migration) must not reach command handlers.
    return [membership.router, staff.router, residents.router]
