"""Grid workers and admins run tickets: /tickets, /claim, /note, /done, /transfer, /escalate."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from channels.telegram.callbacks import TicketAction
from classify.extract import mask_phones
from core.clock import Clock
from core.config import Settings
from handlers.access import refusals
from handlers.common import GROUP_CHATS, answer, reply, ticket_args
from handlers.notices import Notifier
from models.access import Actor, Refused
from templates import render
from tickets import actions
from tickets import staff_actions as staff
from tickets.access import tickets_visible_to
from tickets.policy import TicketPolicy

USAGE = {
    "claim": "/claim 工单号",
    "note": "/note 工单号 备注内容",
    "done": "/done 工单号 处理结果（可附图片）",
    "transfer": "/transfer 工单号 网格编码",
    "escalate": "/escalate 工单号 上报原因",
}


async def cmd_tickets(
    message: Message, session: AsyncSession, actor: Actor, settings: Settings
) -> None:
    """A person's own tickets (staff: their subtree's), in private chat only; phone numbers
    masked unless one of their roles is in [stats] unmasked_roles."""
    if message.from_user is None:
        return
    found = await tickets_visible_to(session, actor)
    unmasked = any(h.kind in settings.stats.unmasked_roles for h in actor.held)
    quotes = {t.id: t.text if unmasked else mask_phones(t.text) for t in found}
    reply(session, message, render("ticket_list", tickets=found, quotes=quotes, title="工单"))


async def cmd_tickets_in_group(message: Message, session: AsyncSession) -> None:
    """A list in a group would show residents' words and phones to everyone there."""
    reply(session, message, render("private_only", command="/tickets"))


Act = Callable[[int, str], Awaitable[actions.Done]]


async def _run(
    message: Message,
    name: str,
    act: Act,
    parsed: tuple[int, str] | None,
    session: AsyncSession,
) -> None:
    """The action with its notices (tickets/staff_actions.py), then the chat's own reply."""
    if parsed is None:
        raise Refused("usage", usage=USAGE[name])
    done = await act(*parsed)
    past = {
        "claim": "claimed",
        "note": "noted",
        "done": "resolved",
        "transfer": "transferred",
        "escalate": "escalated",
    }[name]
    reply(session, message, render("ticket_action", action=past, t=done.ticket, note=parsed[1]))


def _photos(message: Message) -> tuple[str, ...]:
    return (message.photo[-1].file_id,) if message.photo else ()


async def cmd_ticket_action(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    clock: Clock,
    policy: TicketPolicy,
    notifier: Notifier,
    actor: Actor,
) -> None:
    if message.from_user is None:
        return
    name, now, w = command.command.lower(), clock.now(), notifier
    photos = _photos(message)
    acts: dict[str, Act] = {
        "claim": lambda n, _t: staff.claim_ticket(session, n, actor, now, policy, w),
        "note": lambda n, t: staff.note_ticket(session, n, actor, t, now, w),
        "done": lambda n, t: staff.resolve_ticket(session, n, actor, t, photos, now, policy, w),
        "transfer": lambda n, t: staff.transfer_ticket(
            session, n, actor, t.split()[0], now, policy, w
        ),
        "escalate": lambda n, t: staff.escalate_ticket(session, n, actor, t, now, policy, w),
    }
    needs_text = name in {"note", "transfer", "escalate"}
    parsed = ticket_args(command, needs_text)
    await _run(message, name, acts[name], parsed, session)


async def on_ticket_button(
    query: CallbackQuery,
    callback_data: TicketAction,
    session: AsyncSession,
    clock: Clock,
    policy: TicketPolicy,
    notifier: Notifier,
    actor: Actor,
) -> None:
    number, now = callback_data.ticket_id, clock.now()
    if callback_data.action == "transfer":
        answer(query, render("ticket_usage", usage=USAGE["transfer"]), show_alert=True)
        return
    if callback_data.action == "claim":
        done = await staff.claim_ticket(session, number, actor, now, policy, notifier)
    elif callback_data.action == "done":
        done = await staff.resolve_ticket(session, number, actor, "", (), now, policy, notifier)
    else:
        reason = "网格员上报"
        done = await staff.escalate_ticket(session, number, actor, reason, now, policy, notifier)
    past = {"claim": "claimed", "done": "resolved", "escalate": "escalated"}[callback_data.action]
    answer(query, render("ticket_action", action=past, t=done.ticket, note=""))


def get_router() -> Router:
    router = Router(name="workers")
    worded = refusals("ticket_refused")
    router.message.register(cmd_tickets_in_group, Command("tickets"), F.chat.type.in_(GROUP_CHATS))
    router.message.register(cmd_tickets, Command("tickets"))
    router.message.register(cmd_ticket_action, Command(*USAGE), flags=worded)
    router.callback_query.register(
        on_ticket_button,
        TicketAction.filter(F.action.in_({"claim", "transfer", "escalate", "done"})),
        flags=worded,
    )
    return router
