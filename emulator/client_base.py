"""HTTP transport for the control-API client."""

from __future__ import annotations

from types import TracebackType
from typing import Any, cast

import aiohttp

JSON = dict[str, Any]


class EmulatorControlError(RuntimeError):
    """A control-API call answered with an HTTP error status."""

    def __init__(self, status: int, payload: Any, where: str) -> None:
        super().__init__(f"{where} -> HTTP {status}: {payload}")
        self.status = status
        self.payload = payload


def format_transcript(entries: list[JSON]) -> str:
    lines = []
    for entry in entries:
        who = "bot" if entry["from_is_bot"] else f"user {entry['from_id']}"
        body = entry["text"] if entry["text"] is not None else entry["caption"]
        flags = [flag for flag in ("deleted", "edited", "pinned") if entry[flag]]
        if entry["photo"]:
            flags.append("photo")
        if entry.get("service"):
            flags.append("service:" + ",".join(entry["service"]))
        lines.append(f"  #{entry['message_id']} [{who}] {body!r} {' '.join(flags)}".rstrip())
    return "\n".join(lines) or "  (no messages)"


class ControlTransport:
    def __init__(self, base_url: str, session: aiohttp.ClientSession | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.control_url = self.base_url + "/control"
        self._session = session
        self._owns_session = session is None

    async def __aenter__(self) -> ControlTransport:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None and self._owns_session:
            await self._session.close()
        self._session = None

    async def _request(
        self, verb: str, path: str, body: JSON | None = None, query: JSON | None = None
    ) -> Any:
        if self._session is None:
            self._session = aiohttp.ClientSession()
            self._owns_session = True
        url = self.control_url + path
        async with self._session.request(verb, url, json=body, params=query) as response:
            payload = await response.json(content_type=None)
            if response.status >= 400:
                raise EmulatorControlError(response.status, payload, f"{verb} {path}")
            return payload

    async def _post(self, path: str, body: JSON | None = None) -> JSON:
        return cast(JSON, await self._request("POST", path, body if body is not None else {}))

    async def _get(self, path: str, query: JSON | None = None) -> JSON:
        return cast(JSON, await self._request("GET", path, query=query))

    async def _get_list(self, path: str, query: JSON | None = None) -> list[JSON]:
        return cast(list[JSON], await self._request("GET", path, query=query))
