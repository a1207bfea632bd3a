"""Webhook mode: check the secret header, store the update, answer 200, process in order."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging

from aiohttp import web

from bot.inbox import Inbox

log = logging.getLogger("gridbot.webhook")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookReceiver:
    def __init__(self, inbox: Inbox, secret: str) -> None:
        self._inbox = inbox
        self._secret = secret
        self._wake = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self._secret.encode()):
            log.warning("webhook call from %s with a wrong or missing secret", request.remote)
            return web.json_response({"ok": False, "error": "unauthorized"}, status=401)
        body = await request.text()
        try:
            raw: object = json.loads(body)
        except ValueError:
            raw = body
        await self._inbox.store([raw])
        self._wake.set()
        return web.json_response({"ok": True})

    async def process_forever(self, stop: asyncio.Event) -> None:
        await self._inbox.process_pending()
        while not stop.is_set():
            waiter = asyncio.ensure_future(self._wake.wait())
            stopper = asyncio.ensure_future(stop.wait())
            await asyncio.wait({waiter, stopper}, return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
            stopper.cancel()
            self._wake.clear()
            try:
                await self._inbox.process_pending()
            except Exception:
                # Stored updates stay pending; the next wake-up (or restart) picks them up.
                log.exception("processing stored updates failed")


def webhook_app(receiver: WebhookReceiver, path: str) -> web.Application:
    app = web.Application()
    app.router.add_post(path, receiver.handle)
    return app
