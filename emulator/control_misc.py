"""Control API: callbacks, raw updates, faults, limits, stats, webhook log, events."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from . import actions
from .control_base import chat_arg, int_arg, json_body, runtime_of, user_arg
from .errors import ControlError
from .runtime import Runtime

routes = web.RouteTableDef()


@routes.post("/control/callbacks")
async def press_button(request: web.Request) -> web.Response:
    rt, body = runtime_of(request), await json_body(request)
    chat = chat_arg(rt, body.get("chat_id"))
    user = user_arg(rt, body.get("from_user_id"), "from_user_id")
    query_id, update_id = actions.press_button(
        rt, chat, int_arg(body.get("message_id"), "message_id"), user, str(body.get("data", ""))
    )
    return web.json_response({"callback_query_id": query_id, "update_id": update_id})


@routes.get("/control/callbacks/{query_id}")
async def callback_answer(request: web.Request) -> web.Response:
    record = runtime_of(request).state.callbacks.get(request.match_info["query_id"])
    if record is None:
        raise ControlError(404, "unknown callback query id")
    return web.json_response(record)


@routes.post("/control/updates")
async def inject_update(request: web.Request) -> web.Response:
    rt, body = runtime_of(request), await json_body(request)
    queue = rt.state.updates
    if body.get("duplicate_of") is not None:
        update_id = int_arg(body["duplicate_of"], "duplicate_of")
        if not queue.redeliver(update_id):
            raise ControlError(404, f"update {update_id} was never emitted")
        return web.json_response({"update_id": update_id})
    update = body.get("update")
    if not isinstance(update, dict):
        raise ControlError(400, "'update' must be a JSON object")
    return web.json_response(
        {"update_id": queue.push_raw(update, assign_id=bool(body.get("assign_id", True)))}
    )


@routes.post("/control/faults")
async def set_fault(request: web.Request) -> web.Response:
    rt, body = runtime_of(request), await json_body(request)
    chat = chat_arg(rt, body.get("chat_id"))
    kind = body.get("kind")
    if kind is None:
        rt.faults.clear(chat.id)
        return web.json_response({"chat_id": chat.id, "fault": None})
    count = body.get("count")
    retry_after = body.get("retry_after")
    fault = rt.faults.set(
        rt.state,
        chat,
        str(kind),
        count=None if count is None else int_arg(count, "count"),
        retry_after=None if retry_after is None else int_arg(retry_after, "retry_after"),
    )
    return web.json_response(
        {"chat_id": chat.id, "fault": fault.describe(), "migrated_to": chat.migrated_to}
    )


@routes.post("/control/chaos")
async def set_chaos(request: web.Request) -> web.Response:
    rt, body = runtime_of(request), await json_body(request)
    rate, seed = body.get("server_error_rate", 0.0), body.get("seed", 0)
    if not isinstance(rate, int | float) or not 0 <= rate <= 1:
        raise ControlError(400, "server_error_rate must be a number between 0 and 1")
    rt.faults.set_chaos(float(rate), int_arg(seed, "seed"))
    return web.json_response(
        {"server_error_rate": rate, "random_server_errors": rt.faults.random_server_errors}
    )


def _limits(rt: Runtime) -> dict[str, Any]:
    limiter = rt.limiter
    return {
        "enabled": limiter.enabled,
        "global_per_second": limiter.global_per_second,
        "per_chat_per_minute": limiter.per_chat_per_minute,
        "privacy_mode": rt.privacy_mode,
    }


@routes.post("/control/limits")
async def set_limits(request: web.Request) -> web.Response:
    rt, body = runtime_of(request), await json_body(request)
    rt.limiter.configure(
        None if body.get("enabled") is None else bool(body["enabled"]),
        body.get("global_per_second"),
        body.get("per_chat_per_minute"),
    )
    if body.get("privacy_mode") is not None:
        rt.privacy_mode = bool(body["privacy_mode"])
    return web.json_response(_limits(rt))


@routes.get("/control/stats")
async def stats(request: web.Request) -> web.Response:
    rt = runtime_of(request)
    return web.json_response(
        {
            "calls": dict(rt.stats.calls),
            "http_429": rt.stats.http_429,
            "sent_per_chat": {str(k): v for k, v in rt.stats.sent_per_chat.items()},
            "updates_pending": len(rt.state.updates.pending),
            "limits": _limits(rt),
        }
    )


@routes.get("/control/webhook/deliveries")
async def webhook_deliveries(request: web.Request) -> web.Response:
    return web.json_response(runtime_of(request).webhook.deliveries)


@routes.post("/control/reset")
async def reset(request: web.Request) -> web.Response:
    await runtime_of(request).reset()
    return web.json_response({"ok": True})


@routes.get("/control/events")
async def events(request: web.Request) -> web.Response:
    rt = runtime_of(request)
    after = int_arg(request.query.get("after", 0), "after")
    timeout = min(float(request.query.get("timeout", 0) or 0), 60.0)
    return web.json_response(await rt.state.events.wait(after, timeout))
