"""Bot API methods: identity, updates, webhooks, files."""

from __future__ import annotations

import re
from typing import Any

from .errors import WEBHOOK_CONFLICT, bad_request
from .params import Params
from .registry import Described, method
from .runtime import Runtime

SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")


@method("getMe")
async def get_me(rt: Runtime, p: Params) -> dict[str, Any]:
    return {
        **rt.bot.to_api(),
        "can_join_groups": True,
        "can_read_all_group_messages": not rt.privacy_mode,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


def _allowed_updates(p: Params) -> list[str] | None:
    value = p.json_value("allowed_updates")
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise bad_request("can't parse allowed updates JSON object")
    return value


@method("getUpdates")
async def get_updates(rt: Runtime, p: Params) -> list[dict[str, Any]]:
    if rt.webhook.active:
        raise WEBHOOK_CONFLICT
    limit = p.integer("limit") or 100
    timeout = max(0.0, min(p.number("timeout") or 0.0, 50.0))
    return await rt.state.updates.get_updates(
        p.integer("offset"), max(1, min(limit, 100)), timeout, _allowed_updates(p)
    )


@method("setWebhook")
async def set_webhook(rt: Runtime, p: Params) -> Described:
    url = (p.text("url") or "").strip()
    allowed = _allowed_updates(p)
    if p.flag("drop_pending_updates"):
        rt.state.updates.pending.clear()
    if not url:
        await rt.webhook.stop()
        return Described(True, "Webhook was deleted")
    if not url.startswith(("http://", "https://")):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = p.text("secret_token") or None
    if secret is not None and not SECRET_RE.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters")
    if allowed is not None:
        rt.state.updates.allowed = allowed
    same = rt.webhook.url == url and rt.webhook.secret == secret
    if not same:
        await rt.webhook.start(url, secret, p.integer("max_connections") or 40)
    return Described(True, "Webhook is already set" if same else "Webhook was set")


@method("deleteWebhook")
async def delete_webhook(rt: Runtime, p: Params) -> Described:
    if p.flag("drop_pending_updates"):
        rt.state.updates.pending.clear()
    was_active = rt.webhook.active
    await rt.webhook.stop()
    return Described(True, "Webhook was deleted" if was_active else "Webhook is already deleted")


@method("getWebhookInfo")
async def get_webhook_info(rt: Runtime, p: Params) -> dict[str, Any]:
    hook = rt.webhook
    info: dict[str, Any] = {
        "url": hook.url,
        "has_custom_certificate": False,
        "pending_update_count": len(rt.state.updates.pending),
    }
    if hook.active:
        info["max_connections"] = hook.max_connections
        info["ip_address"] = "127.0.0.1"
        if rt.state.updates.allowed:
            info["allowed_updates"] = rt.state.updates.allowed
    if hook.last_error_date is not None:
        info["last_error_date"] = hook.last_error_date
        info["last_error_message"] = hook.last_error_message
    return info


@method("getFile")
async def get_file(rt: Runtime, p: Params) -> dict[str, Any]:
    stored = rt.state.files.get(p.text("file_id") or "")
    if stored is None:
        raise bad_request("invalid file_id")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
        "file_path": stored.path,
    }


@method("logOut")
async def log_out(rt: Runtime, p: Params) -> bool:
    return True


@method("close")
async def close(rt: Runtime, p: Params) -> bool:
    return True
