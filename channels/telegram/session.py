"""The bot's HTTP session: aiogram's, without a needless wait when it closes."""

from __future__ import annotations

from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer


class BotSession(AiohttpSession):
    """aiogram's aiohttp session. Its `close()` sleeps 250 ms for SSL connections to shut down
    gracefully; a plain http:// server (a local Bot API server, the emulator) has none, so
    there the session closes at once."""

    async def close(self) -> None:
        if self.api.base.startswith("https://"):
            await super().close()
        elif self._session is not None and not self._session.closed:
            await self._session.close()


def bot_session(api_base: str) -> BotSession:
    """A session for the Bot API server at `api_base` (https://api.telegram.org by default)."""
    return BotSession(api=TelegramAPIServer.from_base(api_base.rstrip("/")))
