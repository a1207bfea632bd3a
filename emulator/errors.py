"""Telegram-shaped API errors raised by method handlers."""

from __future__ import annotations

import math
from typing import Any


class ApiError(Exception):
    """An error answered as ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(
        self, code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(message: str, parameters: dict[str, Any] | None = None) -> ApiError:
    return ApiError(400, f"Bad Request: {message}", parameters)


def forbidden(message: str) -> ApiError:
    return ApiError(403, f"Forbidden: {message}")


def too_many_requests(retry_after: float) -> ApiError:
    seconds = max(1, math.ceil(retry_after))
    return ApiError(429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds})


def migrated(new_chat_id: int) -> ApiError:
    return bad_request(
        "group chat was upgraded to a supergroup chat", {"migrate_to_chat_id": new_chat_id}
    )


def server_error() -> ApiError:
    return ApiError(500, "Internal Server Error")


UNAUTHORIZED = ApiError(401, "Unauthorized")
NOT_FOUND = ApiError(404, "Not Found")
WEBHOOK_CONFLICT = ApiError(
    409,
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first",
)
POLLING_CONFLICT = ApiError(
    409,
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running",
)


class ControlError(Exception):
    """A control-API failure, answered as ``{"error": message}`` with an HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
