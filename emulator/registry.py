"""Bot API method registry and the dispatcher that turns results into responses."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from .errors import NOT_FOUND, ApiError
from .params import Params
from .runtime import Runtime

Handler = Callable[[Runtime, Params], Awaitable[Any]]
METHODS: dict[str, tuple[str, Handler]] = {}


@dataclass
class Described:
    """A successful result that Telegram returns together with a description."""

    result: Any
    description: str


def method(name: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        METHODS[name.lower()] = (name, handler)
        return handler

    return register


async def execute(runtime: Runtime, name: str, params: Params) -> dict[str, Any]:
    """Run one method and return the JSON body Telegram would answer with."""
    try:
        entry = METHODS.get(name.lower())
        if entry is None:
            raise NOT_FOUND
        canonical, handler = entry
        runtime.stats.calls[canonical] += 1
        result = await handler(runtime, params)
    except ApiError as error:
        if error.code == 429:
            runtime.stats.http_429 += 1
        return error.payload()
    if isinstance(result, Described):
        return {"ok": True, "result": result.result, "description": result.description}
    return {"ok": True, "result": result}
