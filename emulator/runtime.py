"""Everything one emulator instance owns, shared by the Bot API and control routes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from .errors import bad_request, forbidden, migrated
from .faults import FaultTable
from .limits import Clock, RateLimiter, Stats
from .models import Chat, User
from .params import Params
from .state import EmulatorState
from .webhook import Webhook

Executor = Callable[[str, Params], Awaitable[Any]]


class Runtime:
    def __init__(
        self,
        token: str,
        bot: User,
        *,
        limits: bool,
        global_per_second: int,
        per_chat_per_minute: int,
        privacy_mode: bool = False,
        clock: Clock | None = None,
        webhook_retry_cap: float = 1.0,
    ) -> None:
        self.token = token
        self.bot_template = bot
        self.privacy_mode = privacy_mode
        self._limit_defaults = (limits, global_per_second, per_chat_per_minute)
        self.limiter = RateLimiter(limits, global_per_second, per_chat_per_minute, clock)
        self.stats = Stats()
        self.faults = FaultTable()
        self.state = EmulatorState(self._fresh_bot())
        self.webhook = Webhook(lambda: self.state.updates, webhook_retry_cap)

    def _fresh_bot(self) -> User:
        bot = self.bot_template
        return User(id=bot.id, first_name=bot.first_name, username=bot.username, is_bot=True)

    @property
    def bot(self) -> User:
        return self.state.bot

    async def reset(self) -> None:
        await self.webhook.stop()
        self.webhook.deliveries.clear()
        self.state.close()
        event_seq = self.state.events.seq
        self.state = EmulatorState(self._fresh_bot())
        self.state.events.seq = event_seq
        self.faults = FaultTable()
        self.stats = Stats()
        self.limiter.reset()
        self.limiter.configure(*self._limit_defaults)

    def emit(self, kind: str, body: dict[str, Any]) -> int:
        return self.state.updates.push(kind, body)

    def access_chat(self, chat_id: int | str) -> Chat:
        """Resolve a chat for a bot call, raising the error Telegram would give."""
        chat = self.state.find_chat(chat_id)
        if chat is None:
            if isinstance(chat_id, int) and chat_id in self.state.users:
                raise forbidden("bot can't initiate conversation with a user")
            raise bad_request("chat not found")
        injected = self.faults.transient_error(chat.id)
        if injected is not None:
            raise injected
        if chat.migrated_to is not None:
            raise migrated(chat.migrated_to)
        if chat.is_group:
            if chat.bot_status == "kicked":
                raise forbidden(f"bot was kicked from the {chat.type} chat")
            if chat.bot_status not in ("member", "administrator", "creator"):
                raise forbidden(f"bot is not a member of the {chat.type} chat")
        else:
            user = self.state.users[chat.id]
            if user.blocked:
                raise forbidden("bot was blocked by the user")
            if not user.started:
                raise forbidden("bot can't initiate conversation with a user")
        return chat

    def bot_is_admin(self, chat: Chat) -> bool:
        return not chat.is_group or chat.bot_status in ("administrator", "creator")
