"""Typed callback data for every inline button the bot sends."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from broadcasts.access import Level
from core.vocabulary import Category
from models.tickets import Rating
from models.work import WorkKind
from templates import render


class TicketAction(CallbackData, prefix="tk"):
    action: str  # claim | transfer | escalate | done
    ticket_id: int


class RateTicket(CallbackData, prefix="rt"):
    ticket_id: int
    rating: Rating


def staff_keyboard(ticket_id: int, alert: bool = False) -> InlineKeyboardMarkup:
    """The ticket buttons; `alert` adds a row 确认发布寻人启事 (missing-person tickets); the
    last row corrects the classifier: 误报 / 改类别 (TicketMark)."""
    builder = InlineKeyboardBuilder()
    for action in ("claim", "transfer", "escalate", "done"):
        builder.button(
            text=render("button", name=action),
            callback_data=TicketAction(action=action, ticket_id=ticket_id),
        )
    if alert:
        builder.button(
            text=render("alert_button", name="confirm"),
            callback_data=AlertAction(action="confirm", ticket_id=ticket_id),
        )
    for action in ("false", "recategorise"):
        builder.button(
            text=render("review_button", name=action),
            callback_data=TicketMark(action=action, ticket_id=ticket_id),
        )
    builder.adjust(*((4, 1, 2) if alert else (4, 2)))
    return builder.as_markup()


class TicketMark(CallbackData, prefix="tm"):
    """误报 / 改类别 under a ticket's staff notice: staff correct the classifier."""

    action: str  # false | recategorise
    ticket_id: int


class TicketCategory(CallbackData, prefix="tc"):
    """改为 X under a ticket's staff notice, after 改类别."""

    ticket_id: int
    category: Category


class ReviewAction(CallbackData, prefix="rv"):
    """The buttons of a 可能需要关注 notice."""

    action: str  # open | relabel | ignore | false
    review_id: int


class ReviewCategory(CallbackData, prefix="rc"):
    """改为 X under a 可能需要关注 notice, after 改为其他类别: a ticket of category X."""

    review_id: int
    category: Category


# What staff may relabel a message as: every category the classifier knows, but chatter (误报
# has its own button) and `other` (only an explicit /report gets it).
RELABEL = tuple(c for c in Category if c not in (Category.NONE, Category.OTHER))


def review_keyboard(review_id: int) -> InlineKeyboardMarkup:
    """转为工单 / 改为其他类别, then 忽略 / 误报."""
    builder = InlineKeyboardBuilder()
    for action in ("open", "relabel", "ignore", "false"):
        builder.button(
            text=render("review_button", name=action),
            callback_data=ReviewAction(action=action, review_id=review_id),
        )
    builder.adjust(2, 2)
    return builder.as_markup()


def category_keyboard(
    *, current: Category, review_id: int | None = None, ticket_id: int | None = None
) -> InlineKeyboardMarkup:
    """One button per category but `current`: for a review (ReviewCategory) or a ticket."""
    builder = InlineKeyboardBuilder()
    for category in RELABEL:
        if category is current:
            continue
        data: CallbackData = (
            ReviewCategory(review_id=review_id, category=category)
            if review_id is not None
            else TicketCategory(ticket_id=ticket_id or 0, category=category)
        )
        builder.button(
            text=render("review_button", name="to", category=category), callback_data=data
        )
    builder.adjust(3)
    return builder.as_markup()


def rating_keyboard(ticket_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for rating in Rating:
        builder.button(
            text=rating.label, callback_data=RateTicket(ticket_id=ticket_id, rating=rating)
        )
    builder.adjust(3)
    return builder.as_markup()


class BroadcastTarget(CallbackData, prefix="bt"):
    node_id: int


class BroadcastConfirm(CallbackData, prefix="bc"):
    """A preview's button; `draft` names the draft it previews (the id of the message that gave
    its text), so a press under an older preview never acts on a newer draft."""

    action: str  # send | schedule | pin (toggle) | read (toggle) | cancel
    draft: int


class PollTarget(CallbackData, prefix="pt"):
    node_id: int


class PollConfirm(CallbackData, prefix="pc"):
    action: str  # send | cancel
    draft: int  # as BroadcastConfirm.draft: the message that gave the options


class ScheduledCancel(CallbackData, prefix="sc"):
    """取消 next to a scheduled broadcast in /scheduled."""

    broadcast_id: int


class TargetOpen(CallbackData, prefix="to"):
    """A move in the /broadcast (or /poll) picker: show node `node_id`'s children (0: the
    actor's own nodes), page `page`."""

    node_id: int
    page: int = 0
    poll: bool = False


def target_keyboard(level: Level, poll: bool = False) -> InlineKeyboardMarkup:
    """The picker's screen: 选择此范围 (the node shown), then each child (its name picks it,
    下一级 › opens it), then 上一页 / 下一页 and 返回上一级 where there is somewhere to go."""

    def pick(node_id: int, label: str) -> InlineKeyboardButton:
        data = PollTarget(node_id=node_id) if poll else BroadcastTarget(node_id=node_id)
        return InlineKeyboardButton(text=label, callback_data=data.pack())

    def move(name: str, node_id: int, page: int = 0) -> InlineKeyboardButton:
        data = TargetOpen(node_id=node_id, page=page, poll=poll)
        return InlineKeyboardButton(
            text=render("target_button", name=name), callback_data=data.pack()
        )

    builder = InlineKeyboardBuilder()
    here = level.node.id if level.node is not None and level.node.id is not None else 0
    if level.node is not None and here:
        builder.row(pick(here, render("target_button", name="here", node=level.node.name)))
    for choice in (c for c in level.choices if c.opens):
        builder.row(pick(choice.node_id, choice.name), move("open", choice.node_id))
    leaves = [pick(c.node_id, c.name) for c in level.choices if not c.opens]
    for i in range(0, len(leaves), 2):
        builder.row(*leaves[i : i + 2])
    turns = [move("previous", here, level.page - 1)] if level.page > 0 else []
    turns += [move("next", here, level.page + 1)] if level.page + 1 < level.pages else []
    if turns:
        builder.row(*turns)
    if level.back is not None:
        builder.row(move("back", level.back))
    return builder.as_markup()


def confirm_keyboard(draft: int, pin: bool = False, read: bool = False) -> InlineKeyboardMarkup:
    """立即发送 / 定时发送, the 置顶 and 已阅按钮 toggles showing their state, 取消: each for
    `draft` only."""
    builder = InlineKeyboardBuilder()
    for action, on in (("send", None), ("schedule", None), ("pin", pin), ("read", read)):
        builder.button(
            text=render("broadcast_button", name=action, on=on),
            callback_data=BroadcastConfirm(action=action, draft=draft),
        )
    builder.button(
        text=render("broadcast_button", name="cancel"),
        callback_data=BroadcastConfirm(action="cancel", draft=draft),
    )
    builder.adjust(2, 2, 1)
    return builder.as_markup()


def poll_confirm_keyboard(draft: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for action in ("send", "cancel"):
        builder.button(
            text=render("poll_button", name=action),
            callback_data=PollConfirm(action=action, draft=draft),
        )
    return builder.as_markup()


def scheduled_keyboard(broadcast_ids: list[int]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for broadcast_id in broadcast_ids:
        builder.button(
            text=render("broadcast_button", name="unschedule", id=broadcast_id),
            callback_data=ScheduledCancel(broadcast_id=broadcast_id),
        )
    builder.adjust(3)
    return builder.as_markup()


class BroadcastRead(CallbackData, prefix="br"):
    """The 已阅 button under a broadcast copy."""

    broadcast_id: int


class PollVote(CallbackData, prefix="pv"):
    broadcast_id: int
    option: int


class AlertAction(CallbackData, prefix="al"):
    action: str  # confirm | found | consent
    ticket_id: int


def alert_keyboard(ticket_id: int, action: str) -> InlineKeyboardMarkup:
    """One alert button: 已找到 (found) for staff, 同意公开我的电话 (consent) for the reporter."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=render("alert_button", name=action),
        callback_data=AlertAction(action=action, ticket_id=ticket_id),
    )
    return builder.as_markup()


class WorkKindPick(CallbackData, prefix="wk"):
    """A kind for a /log text that named none; the text is the /log message replied to."""

    kind: WorkKind


class WorkToTicket(CallbackData, prefix="wt"):
    """转为工单 under a work-log entry that found a hazard."""

    log_id: int


class ChecklistDone(CallbackData, prefix="cl"):
    node_id: int
    item: str


class HeadcountKey(CallbackData, prefix="hc"):
    """A key of the headcount keypad; it carries the number as it will be after the press."""

    node_id: int
    value: int
    send: bool = False
