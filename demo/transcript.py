"""The demo's transcript: what the chats show, in one order on every run.

The bot answers several chats at once, so the order in which copies reach the emulator varies.
The transcript therefore waits, before each narrated step, until the bot is quiet (no update
unread, none unprocessed, nothing in the outbox, no broadcast copy pending), and prints what
happened since the last step chat by chat (in the order the chats first appeared), each chat's
messages in their own order.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from demo.ticker import TICKER
from emulator import BotAPIEmulator, EmulatorClient
from emulator.events import describe
from models.broadcasts import BroadcastDelivery, DeliveryStatus
from models.inbox import InboxStatus, InboxUpdate
from models.outgoing import OutgoingMessage, OutStatus

QUIET_FOR = 0.2  # seconds the bot must stay idle before a step is printed


class Transcript:
    def __init__(
        self,
        emu: BotAPIEmulator,
        client: EmulatorClient,
        sessions: async_sessionmaker[AsyncSession],
        wait: float,
    ) -> None:
        self.emu, self.client, self.sessions, self.wait = emu, client, sessions, wait
        self._seq = 0
        self._rank: dict[int, int] = {}

    async def step(self, line: str) -> None:
        """Print what the chats show so far, then `line` (a heading, a tap, a note)."""
        await self.flush()
        TICKER.say(line)

    async def flush(self) -> None:
        await self.quiet()
        events: list[dict[str, Any]] = []
        while batch := await self.client.events(after=self._seq, timeout=0):
            events += batch
            self._seq = max(e["seq"] for e in batch)
        for event in events:
            self._rank.setdefault(event["chat_id"], len(self._rank))
        for event in sorted(events, key=lambda e: (self._rank[e["chat_id"]], e["seq"])):
            TICKER.say(describe(event).replace("\n", "\n    "))

    async def quiet(self) -> None:
        """Until the bot has nothing left to do, twice in a row QUIET_FOR apart."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.wait
        idle_since: float | None = None
        while True:
            busy = await self._busy()
            now = loop.time()
            if busy:
                idle_since = None
            elif idle_since is None:
                idle_since = now
            elif now - idle_since >= QUIET_FOR:
                return
            if now > deadline:
                raise TimeoutError(f"the bot is still busy after {self.wait:.0f} s: {busy}")
            await asyncio.sleep(0.05)

    async def _busy(self) -> str:
        if self.emu.runtime.state.updates.pending:
            return "updates not yet fetched"
        async with self.sessions() as session:
            for what, count in (
                ("updates", _count(InboxUpdate, InboxUpdate.status, [InboxStatus.pending])),
                ("messages", _count(OutgoingMessage, OutgoingMessage.status, OPEN_OUT)),
                ("copies", _count(BroadcastDelivery, BroadcastDelivery.status, OPEN_COPIES)),
            ):
                if await session.scalar(count):
                    return f"{what} waiting"
        return ""


OPEN_OUT = [OutStatus.pending, OutStatus.sending]
OPEN_COPIES = [DeliveryStatus.pending, DeliveryStatus.sending]


def _count(table: Any, status: Any, values: list[Any]) -> Any:
    return select(func.count()).select_from(table).where(col(status).in_(values))
