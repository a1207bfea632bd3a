"""The aiohttp application and the ``BotAPIEmulator`` lifecycle wrapper."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from aiohttp import web

from . import methods_chat, methods_core, methods_edit, methods_send  # noqa: F401 (register)
from .control import routes as control_routes
from .control_base import RUNTIME, control_errors
from .control_misc import routes as misc_routes
from .errors import UNAUTHORIZED, ApiError
from .limits import Clock
from .models import User
from .params import Params
from .registry import execute
from .runtime import Runtime

MAX_UPLOAD = 60 * 1024 * 1024


async def bot_api(request: web.Request) -> web.Response:
    rt = request.app[RUNTIME]
    if request.match_info["token"] != rt.token:
        body: dict[str, Any] = UNAUTHORIZED.payload()
    else:
        body = await execute_request(rt, request)
    return web.json_response(body, status=200 if body["ok"] else body["error_code"])


async def execute_request(rt: Runtime, request: web.Request) -> dict[str, Any]:
    try:
        params = await Params.from_request(request)
    except ApiError as error:
        return error.payload()
    return await execute(rt, request.match_info["method"], params)


async def file_download(request: web.Request) -> web.StreamResponse:
    rt = request.app[RUNTIME]
    if request.match_info["token"] != rt.token:
        return web.json_response(UNAUTHORIZED.payload(), status=401)
    path = request.match_info["path"]
    stored = next((f for f in rt.state.files.values() if f.path == path), None)
    if stored is None:
        return web.json_response(
            {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
        )
    return web.Response(body=stored.data, content_type="application/octet-stream")


def build_app(rt: Runtime) -> web.Application:
    app = web.Application(client_max_size=MAX_UPLOAD, middlewares=[control_errors])
    app[RUNTIME] = rt
    app.router.add_routes(control_routes)
    app.router.add_routes(misc_routes)
    app.router.add_route("*", "/bot{token}/{method}", bot_api)
    app.router.add_get("/file/bot{token}/{path:.+}", file_download)
    return app


def _bot_id(token: str) -> int:
    head = token.split(":", 1)[0]
    return int(head) if head.isdigit() else 7_000_000_001


class BotAPIEmulator:
    """A local Telegram Bot API server plus a control API, over real HTTP."""

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        host: str = "127.0.0.1",
        port: int = 0,
        limits: bool = True,
        global_per_second: int = 30,
        per_chat_per_minute: int = 20,
        bot_username: str = "gridbot",
        bot_id: int | None = None,
        *,
        bot_first_name: str = "GridBot",
        privacy_mode: bool = False,
        clock: Clock | None = None,
        webhook_retry_cap: float = 1.0,
    ) -> None:
        self.token = token
        self.host = host
        self.port = port
        bot = User(
            id=bot_id if bot_id is not None else _bot_id(token),
            first_name=bot_first_name,
            username=bot_username,
            is_bot=True,
        )
        self.runtime = Runtime(
            token,
            bot,
            limits=limits,
            global_per_second=global_per_second,
            per_chat_per_minute=per_chat_per_minute,
            privacy_mode=privacy_mode,
            clock=clock,
            webhook_retry_cap=webhook_retry_cap,
        )
        self.app = build_app(self.runtime)
        self.runtime.webhook.executor = lambda name, params: execute(self.runtime, name, params)
        self._runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def control_url(self) -> str:
        return self.base_url + "/control"

    @property
    def bot_id(self) -> int:
        return self.runtime.bot.id

    def set_clock(self, clock: Clock) -> None:
        """Replace the monotonic clock used by the flood limits (for tests)."""
        self.runtime.limiter.clock = clock

    async def start(self) -> None:
        if self._runner is not None:
            return
        self.runtime.state.updates.closed = False
        self.runtime.state.events.closed = False
        runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self._runner = runner
        self.port = int(runner.addresses[0][1])

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is None:
            return
        await self.runtime.webhook.stop()
        self.runtime.state.close()
        await runner.cleanup()

    async def __aenter__(self) -> BotAPIEmulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
