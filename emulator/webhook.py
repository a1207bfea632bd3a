"""Webhook delivery: POST each update in order, retrying with backoff until 2xx."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from .params import Params, UploadedFile
from .updates import PendingUpdate, UpdateQueue

Executor = Callable[[str, Params], Awaitable[Any]]


class Webhook:
    def __init__(self, queue: Callable[[], UpdateQueue], retry_cap: float = 1.0) -> None:
        self._queue = queue
        self.retry_cap = retry_cap
        self.url = ""
        self.secret: str | None = None
        self.max_connections = 40
        self.last_error_date: int | None = None
        self.last_error_message: str | None = None
        self.deliveries: list[dict[str, Any]] = []
        self.executor: Executor | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def active(self) -> bool:
        return bool(self.url)

    async def start(self, url: str, secret: str | None, max_connections: int = 40) -> None:
        await self.stop()
        self.url, self.secret, self.max_connections = url, secret, max_connections
        self.last_error_date = self.last_error_message = None
        self._task = asyncio.create_task(self._run(), name="emulator-webhook")

    async def stop(self) -> None:
        self.url = ""
        self.secret = None
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        backoff = 0.05
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while True:
                queue = self._queue()
                entry = queue.peek()
                if entry is None:
                    await queue.wait_change(1.0)
                    continue
                if await self._deliver(session, entry):
                    queue.remove(entry)
                    backoff = 0.05
                    continue
                if entry.once:
                    queue.remove(entry)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.retry_cap)

    async def _deliver(self, session: aiohttp.ClientSession, entry: PendingUpdate) -> bool:
        headers = {"Content-Type": "application/json"}
        if self.secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.secret
        record: dict[str, Any] = {
            "update_id": entry.update_id,
            "url": self.url,
            "status": None,
            "secret_header": self.secret,
            "error": None,
        }
        self.deliveries.append(record)
        try:
            async with session.post(
                self.url, data=json.dumps(entry.payload), headers=headers
            ) as response:
                record["status"] = response.status
                if 200 <= response.status < 300:
                    await self._run_reply(response)
                    return True
                record["error"] = f"Wrong response from the webhook: {response.status} " + (
                    response.reason or ""
                )
        except TimeoutError:
            record["error"] = "Read timeout expired"
        except (aiohttp.ClientError, OSError) as error:
            refused = isinstance(error, aiohttp.ClientConnectorError | ConnectionError)
            record["error"] = "Connection refused" if refused else type(error).__name__
        self.last_error_date = int(time.time())
        self.last_error_message = str(record["error"]).strip()
        return False

    async def _run_reply(self, response: aiohttp.ClientResponse) -> None:
        """Execute a method call returned in the webhook response, as Telegram does."""
        if self.executor is None:
            return
        values: dict[str, Any] = {}
        files: dict[str, UploadedFile] = {}
        if response.content_type == "application/json":
            with contextlib.suppress(ValueError):
                body = await response.json()
                values = body if isinstance(body, dict) else {}
        elif response.content_type == "multipart/form-data":
            reader = aiohttp.MultipartReader.from_response(response)
            async for part in reader:
                if not isinstance(part, aiohttp.BodyPartReader) or not part.name:
                    continue
                if part.filename:
                    files[part.name] = UploadedFile(
                        part.filename, part.headers.get("Content-Type", ""), await part.read()
                    )
                else:
                    values[part.name] = await part.text()
        method = values.pop("method", None)
        if isinstance(method, str) and method:
            with contextlib.suppress(Exception):
                await self.executor(method, Params(values, files))
