"""Shared helpers for the control API routes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from .errors import ControlError
from .models import Chat, User
from .runtime import Runtime

RUNTIME: web.AppKey[Runtime] = web.AppKey("emulator_runtime", Runtime)


def runtime_of(request: web.Request) -> Runtime:
    return request.app[RUNTIME]


async def json_body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except ValueError:
        raise ControlError(400, "body must be a JSON object") from None
    if not isinstance(body, dict):
        raise ControlError(400, "body must be a JSON object")
    return body


def int_arg(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ControlError(400, f"{name} must be an integer") from None


def chat_arg(rt: Runtime, value: Any) -> Chat:
    chat = rt.state.chats.get(int_arg(value, "chat_id"))
    if chat is None:
        raise ControlError(404, f"chat {value} not found")
    return chat


def user_arg(rt: Runtime, value: Any, name: str = "user_id") -> User:
    user = rt.state.users.get(int_arg(value, name))
    if user is None:
        raise ControlError(404, f"user {value} not found")
    return user


@web.middleware
async def control_errors(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    try:
        return await handler(request)
    except ControlError as error:
        return web.json_response({"error": error.message}, status=error.status)
    except ValueError as error:
        if not request.path.startswith("/control"):
            raise
        return web.json_response({"error": str(error)}, status=400)
