"""Long polling: store each batch in the inbox, process it, and only then acknowledge it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, cast

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError, TelegramRetryAfter
from aiogram.methods import GetUpdates

from bot.inbox import Inbox

log = logging.getLogger("gridbot.polling")


class GetRawUpdates(GetUpdates):
    """getUpdates returning plain dicts, so one malformed update cannot reject a whole batch."""

    __returning__ = list[dict[str, Any]]  # type: ignore[assignment]


async def poll(
    bot: Bot, inbox: Inbox, allowed: list[str], timeout: int, stop: asyncio.Event
) -> None:
    await inbox.process_pending()  # leftovers from before a crash or restart
    offset: int | None = None
    backoff = 0.5
    while not stop.is_set():
        try:
            request = GetRawUpdates(offset=offset, timeout=timeout, allowed_updates=allowed)
            fetched = await _unless_stopped(bot(request), stop)
            if fetched is None:
                break
            raws = cast(list[dict[str, Any]], fetched)
        except TelegramRetryAfter as exc:
            await _sleep(stop, exc.retry_after)
            continue
        except (TelegramNetworkError, TelegramAPIError) as exc:
            log.warning("getUpdates failed (%s); retrying in %.1fs", exc, backoff)
            await _sleep(stop, backoff)
            backoff = min(backoff * 2, 30.0)
            continue
        backoff = 0.5
        if not raws:
            continue
        try:
            await inbox.store(raws)
            await inbox.process_pending()
        except Exception:
            # Not acknowledged: Telegram hands the same updates out again after the pause.
            log.exception("storing or processing updates failed; retrying in %.1fs", backoff)
            await _sleep(stop, backoff)
            continue
        ids = [r["update_id"] for r in raws if isinstance(r.get("update_id"), int)]
        if ids:
            offset = max(ids) + 1  # the next call acknowledges everything stored above


async def _unless_stopped(call: Coroutine[Any, Any, Any], stop: asyncio.Event) -> Any | None:
    """The long poll's answer, or None as soon as `stop` is set: a stop does not wait out the
    poll's timeout. Abandoning the call loses nothing, since what it would have returned is
    acknowledged only by the next call's offset and so is handed out again after a restart."""
    fetch = asyncio.ensure_future(call)
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
        if not fetch.done():
            fetch.cancel()
            await asyncio.gather(fetch, return_exceptions=True)
    return None if fetch.cancelled() else fetch.result()


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        pass
