"""Bot API request parameters: query string, JSON, urlencoded or multipart bodies."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .errors import bad_request


@dataclass
class UploadedFile:
    filename: str
    content_type: str
    data: bytes


class Params:
    """Typed access to parameters that may arrive as JSON values or as strings."""

    def __init__(
        self, values: dict[str, Any], files: dict[str, UploadedFile] | None = None
    ) -> None:
        self.values = values
        self.files = files or {}

    @classmethod
    async def from_request(cls, request: web.Request) -> Params:
        values: dict[str, Any] = dict(request.query)
        files: dict[str, UploadedFile] = {}
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    body = None
                if not isinstance(body, dict):
                    raise bad_request("can't parse JSON object")
                values.update(body)
            else:
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        data = value.file.read()
                        files[key] = UploadedFile(value.filename, value.content_type, data)
                    else:
                        values[key] = value if isinstance(value, str) else bytes(value).decode()
        return cls(values, files)

    def has(self, name: str) -> bool:
        return self.values.get(name) not in (None, "") or name in self.files

    def text(self, name: str) -> str | None:
        value = self.values.get(name)
        if value is None:
            return None
        return value if isinstance(value, str) else str(value)

    def integer(self, name: str) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        try:
            return int(str(value).strip())
        except ValueError:
            raise bad_request(f"invalid {name} specified") from None

    def require_int(self, name: str) -> int:
        value = self.integer(name)
        if value is None:
            if name == "message_id":
                raise bad_request("message identifier is not specified")
            raise bad_request(f"{name} is empty")
        return value

    def number(self, name: str) -> float | None:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def flag(self, name: str) -> bool:
        value = self.values.get(name)
        if isinstance(value, str):
            return value.strip().lower() in ("true", "1", "yes")
        return bool(value)

    def json_value(self, name: str) -> Any:
        value = self.values.get(name)
        if isinstance(value, str):
            if not value:
                return None
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {name} JSON object") from None
        return value

    def chat_id(self, name: str = "chat_id") -> int | str:
        value = self.values.get(name)
        if value is None or value == "":
            raise bad_request(f"{name} is empty")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raw = str(value).strip()
        if raw.startswith("@"):
            return raw
        try:
            return int(raw)
        except ValueError:
            raise bad_request("chat not found") from None

    def file(self, name: str) -> UploadedFile | str | None:
        if name in self.files:
            return self.files[name]
        value = self.text(name)
        if value and value.startswith("attach://"):
            attached = self.files.get(value.removeprefix("attach://"))
            if attached is None:
                raise bad_request(f"wrong remote file identifier specified: {value}")
            return attached
        return value or None
