"""Async client for the emulator's control API (``EmulatorClient``)."""

from __future__ import annotations

from .client_base import JSON, EmulatorControlError
from .client_inspect import InspectingClient

__all__ = ["JSON", "EmulatorClient", "EmulatorControlError"]


class EmulatorClient(InspectingClient):
    """Drives an emulator over real HTTP; every method returns parsed JSON."""

    async def __aenter__(self) -> EmulatorClient:
        return self

    # --- building the world ------------------------------------------------------------
    async def create_user(
        self,
        first_name: str,
        username: str | None = None,
        id: int | None = None,
        last_name: str | None = None,
        language_code: str | None = None,
    ) -> JSON:
        return await self._post(
            "/users",
            {
                "first_name": first_name,
                "username": username,
                "id": id,
                "last_name": last_name,
                "language_code": language_code,
            },
        )

    async def create_group(
        self,
        title: str,
        supergroup: bool = False,
        id: int | None = None,
        bot_status: str | None = None,
        username: str | None = None,
    ) -> JSON:
        return await self._post(
            "/chats",
            {
                "type": "supergroup" if supergroup else "group",
                "title": title,
                "id": id,
                "bot_status": bot_status,
                "username": username,
            },
        )

    async def chat(self, chat_id: int) -> JSON:
        return await self._get(f"/chats/{chat_id}")

    async def set_member(self, chat_id: int, user_id: int, status: str = "member") -> JSON:
        return await self._post(
            f"/chats/{chat_id}/members", {"user_id": user_id, "status": status}
        )

    # --- acting as users and admins ------------------------------------------------------
    async def send_message(
        self, chat_id: int, from_user_id: int, text: str, reply_to_message_id: int | None = None
    ) -> JSON:
        return await self._post(
            f"/chats/{chat_id}/messages",
            {
                "from_user_id": from_user_id,
                "text": text,
                "reply_to_message_id": reply_to_message_id,
            },
        )

    async def send_photo(
        self,
        chat_id: int,
        from_user_id: int,
        caption: str | None = None,
        reply_to_message_id: int | None = None,
    ) -> JSON:
        return await self._post(
            f"/chats/{chat_id}/messages",
            {
                "from_user_id": from_user_id,
                "photo": True,
                "caption": caption,
                "reply_to_message_id": reply_to_message_id,
            },
        )

    async def start_private(self, user_id: int) -> JSON:
        return await self._post(f"/users/{user_id}/start")

    async def block_bot(self, user_id: int, blocked: bool = True) -> JSON:
        return await self._post(f"/users/{user_id}/block", {"blocked": blocked})

    async def bot_action(self, chat_id: int, action: str, by_user_id: int | None = None) -> JSON:
        return await self._post(
            f"/chats/{chat_id}/bot", {"action": action, "by_user_id": by_user_id}
        )

    async def add_bot(self, chat_id: int, by_user_id: int, admin: bool = False) -> JSON:
        return await self.bot_action(chat_id, "add_admin" if admin else "add", by_user_id)

    async def kick_bot(self, chat_id: int, by_user_id: int) -> JSON:
        return await self.bot_action(chat_id, "kick", by_user_id)

    async def migrate(self, chat_id: int, by_user_id: int | None = None) -> JSON:
        return await self._post(f"/chats/{chat_id}/migrate", {"by_user_id": by_user_id})

    async def press_button(
        self, chat_id: int, message_id: int, from_user_id: int, data: str
    ) -> JSON:
        return await self._post(
            "/callbacks",
            {
                "chat_id": chat_id,
                "message_id": message_id,
                "from_user_id": from_user_id,
                "data": data,
            },
        )

    async def callback_answer(self, callback_query_id: str) -> JSON:
        return await self._get(f"/callbacks/{callback_query_id}")

    async def inject_update(self, update: JSON, assign_id: bool = True) -> JSON:
        """Enqueue a raw update; one without update_id gets the next id unless assign_id=False."""
        return await self._post("/updates", {"update": update, "assign_id": assign_id})

    async def redeliver(self, update_id: int) -> JSON:
        return await self._post("/updates", {"duplicate_of": update_id})

    # --- knobs -------------------------------------------------------------------------
    async def set_fault(
        self,
        chat_id: int,
        kind: str | None,
        count: int | None = None,
        retry_after: int | None = None,
    ) -> JSON:
        return await self._post(
            "/faults",
            {
                "chat_id": chat_id,
                "kind": kind,
                "count": count,
                "retry_after": retry_after,
            },
        )

    async def set_chaos(self, server_error_rate: float, seed: int = 0) -> JSON:
        """Answer that share of the bot's chat-bound calls with a 500, at random (seeded)."""
        return await self._post("/chaos", {"server_error_rate": server_error_rate, "seed": seed})

    async def clear_fault(self, chat_id: int) -> JSON:
        return await self.set_fault(chat_id, None)

    async def set_limits(
        self,
        enabled: bool | None = None,
        global_per_second: int | None = None,
        per_chat_per_minute: int | None = None,
        privacy_mode: bool | None = None,
    ) -> JSON:
        return await self._post(
            "/limits",
            {
                "enabled": enabled,
                "global_per_second": global_per_second,
                "per_chat_per_minute": per_chat_per_minute,
                "privacy_mode": privacy_mode,
            },
        )

    async def reset(self) -> JSON:
        return await self._post("/reset")
