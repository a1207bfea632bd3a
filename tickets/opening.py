"""From a resident's message to a ticket: append, link, or open and route a new one."""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from classify.model import Category, Classification, Priority
from core.text import clean
from core.vocabulary import OPEN_STATUSES, Decision
from models.group_service import group_by_chat
from models.reviews import Review
from models.tickets import EventKind, Ticket
from models.totals_write import count_opened
from models.tree import Node
from tickets.events import GroupUpdate, Notice, NotifyStaff, StaffReason, TellGroup
from tickets.history import record
from tickets.policy import TicketPolicy
from tickets.reviews import open_review
from tickets.routing import Reach, Route, alert_levels, reach_of, reachable_staff, route_from


@dataclass(frozen=True)
class Report:
    chat_id: int
    reporter_user_id: int
    reporter_name: str
    text: str
    message_id: int | None = None
    photos: tuple[str, ...] = ()
    reply_to_message_id: int | None = None
    explicit: bool = False  # /report or a photo: a case even if no keyword matched

    def __post_init__(self) -> None:
        """Kept without invisible characters, so no list, export or quote carries them."""
        object.__setattr__(self, "text", clean(self.text))
        object.__setattr__(self, "reporter_name", clean(self.reporter_name))


class Outcome(enum.StrEnum):
    opened = "opened"
    added = "added"
    linked = "linked"
    not_a_case = "not_a_case"
    unbound = "unbound"
    review = "review"  # 可能需要关注: no reply in the group, the grid's staff look first


def decision_for(report: Report, found: Classification) -> Decision:
    """What to do with a message: a /report or a photo is always a case (the resident asked);
    otherwise the classifier's decision (open, review or ignore; never a case without a
    category)."""
    if report.explicit:
        return Decision.OPEN
    if not found.is_case:
        return Decision.IGNORE
    return found.decision


@dataclass
class Opening:
    outcome: Outcome
    ticket: Ticket | None = None
    route: Route | None = None
    notices: list[Notice] = field(default_factory=list)
    # A missing person: the ticket's own node and the alert levels above it, bottom up, each
    # with how many of its staff were sent a private notice (reachable) and how many not.
    alerted: list[Reach] = field(default_factory=list)
    review: Review | None = None


async def report_message(
    session: AsyncSession,
    report: Report,
    found: Classification,
    policy: TicketPolicy,
    now: datetime,
) -> Opening:
    group = await group_by_chat(session, report.chat_id)
    if group is None or group.node_id is None or group.id is None:
        return Opening(Outcome.unbound)
    if report.reply_to_message_id is not None:
        target = await _open_ticket(
            session, bot_message_id=report.reply_to_message_id, group_id=group.id
        )
        if target is not None:
            return await _append(session, target, report, now)
    decision = decision_for(report, found)
    if decision is Decision.IGNORE:
        return Opening(Outcome.not_a_case)
    # A /report or photo the classifier cannot place is still a case, of the category `other`.
    category = found.category if found.category is not Category.NONE else Category.OTHER
    since = now - policy.duplicate_window
    # The reporter's own repeat of the same kind of case (or a photo / message the classifier
    # cannot place); another kind (a missing person after a leak) is a case of its own, with
    # its own priority, deadlines and alerts.
    mine = await _open_ticket(
        session,
        group_id=group.id,
        since=since,
        reporter=report.reporter_user_id,
        category=None if category is Category.OTHER else category,
    )
    if mine is not None:
        _raise_priority(mine, found.priority, policy, now)
        return await _append(session, mine, report, now)
    same = await _open_ticket(session, node_id=group.node_id, since=since, category=category)
    if same is not None:
        _link(session, same, report, now)
        return Opening(Outcome.linked, same)
    node = await session.get(Node, group.node_id)
    assert node is not None
    if decision is Decision.REVIEW:  # a new case the classifier is unsure of: staff look first
        review, notices = await open_review(session, report, found, group.id, node, policy, now)
        return Opening(Outcome.review, notices=notices, review=review)
    return await open_new(session, report, found, category, group.id, node, policy, now)


def _link(session: AsyncSession, ticket: Ticket, report: Report, now: datetime) -> None:
    record(
        session,
        ticket,
        EventKind.linked,
        now,
        actor_user_id=report.reporter_user_id,
        text=f"{report.reporter_name}: {report.text}",
    )


async def open_new(
    session: AsyncSession,
    report: Report,
    found: Classification,
    category: Category,
    group_id: int,
    node: Node,
    policy: TicketPolicy,
    now: datetime,
) -> Opening:
    route = await route_from(session, node)
    deadline = policy.deadline(category, found.priority)
    assert node.id is not None and route.node.id is not None
    ticket = Ticket(
        category=category,
        priority=found.priority,
        text=report.text,
        details=json.dumps(found.details.to_json_dict(), ensure_ascii=False),
        photos=json.dumps(list(report.photos)),
        reporter_user_id=report.reporter_user_id,
        reporter_name=report.reporter_name,
        group_id=group_id,
        source_message_id=report.message_id,
        node_id=node.id,
        handling_node_id=route.node.id,
        created_at=now,
        claim_due_at=now + deadline.claim,
        resolve_due_at=now + deadline.resolve,
    )
    session.add(ticket)
    await session.flush()
    assert ticket.id is not None
    await count_opened(session, ticket.id)
    record(
        session,
        ticket,
        EventKind.opened,
        now,
        actor_user_id=report.reporter_user_id,
        node_id=node.id,
        text=report.text,
    )
    notices: list[Notice] = []
    if route.unreachable:
        names = "、".join(p.name for p in route.unreachable)
        record(session, ticket, EventKind.unreachable, now, text=names)
    if route.unreachable or route.nobody:
        notices.append(_where_it_went(ticket.id, node, route))
    told = tuple(p.id for p in route.recipients if p.id is not None)
    record(
        session,
        ticket,
        EventKind.routed,
        now,
        node_id=route.node.id,
        text="、".join(p.name for p in route.recipients),
    )
    notices.append(NotifyStaff(ticket.id, told, StaffReason.new))
    alerted: list[Reach] = []
    if category is Category.MISSING_PERSON:
        levels = await alert_levels(session, node, policy.missing_person_levels)
        extra = [
            p.id
            for p in await reachable_staff(session, levels)
            if p.id is not None and p.id not in told
        ]
        if extra:
            notices.append(NotifyStaff(ticket.id, tuple(extra), StaffReason.alert))
        nodes = [node, *(n for n in reversed(levels) if n.id != node.id)]
        alerted = await reach_of(session, nodes, {*told, *extra})
    return Opening(Outcome.opened, ticket, route, notices, alerted)


def _where_it_went(ticket_id: int, node: Node, route: Route) -> TellGroup:
    """The group is told, by role, whose staff could not be reached and where the ticket went:
    on to a higher level (named), to the reachable staff of its own node, or to nobody yet."""
    roles = tuple(dict.fromkeys(r.role.value for r in route.walked if r.missed))
    if route.nobody:
        return TellGroup(ticket_id, GroupUpdate.nobody_reachable, roles=roles)
    place = "" if route.node.id == node.id else route.node.name
    return TellGroup(ticket_id, GroupUpdate.unreachable, roles=roles, note=place)


def _raise_priority(
    ticket: Ticket, priority: Priority, policy: TicketPolicy, now: datetime
) -> None:
    """A more pressing follow-up (a seep, then a burst pipe) tightens the ticket's deadlines."""
    if priority.rank <= Priority(ticket.priority).rank:
        return
    ticket.priority = priority
    deadline = policy.deadline(ticket.category, ticket.priority)
    if ticket.claim_due_at is not None:
        ticket.claim_due_at = min(ticket.claim_due_at, now + deadline.claim)
    if ticket.resolve_due_at is not None:
        ticket.resolve_due_at = min(ticket.resolve_due_at, now + deadline.resolve)


async def _append(session: AsyncSession, ticket: Ticket, report: Report, now: datetime) -> Opening:
    if report.photos:
        ticket.photos = json.dumps([*json.loads(ticket.photos), *report.photos])
    # Someone other than the reporter (a reply to the bot's message) is named, as when linked.
    by_reporter = report.reporter_user_id == ticket.reporter_user_id
    record(
        session,
        ticket,
        EventKind.added,
        now,
        actor_user_id=report.reporter_user_id,
        text=report.text if by_reporter else f"{report.reporter_name}: {report.text}",
    )
    await session.flush()
    return Opening(Outcome.added, ticket)


async def _open_ticket(
    session: AsyncSession,
    *,
    group_id: int | None = None,
    node_id: int | None = None,
    since: datetime | None = None,
    reporter: int | None = None,
    category: Category | None = None,
    bot_message_id: int | None = None,
) -> Ticket | None:
    query = select(Ticket).where(col(Ticket.status).in_(list(OPEN_STATUSES)))
    for column, value in (
        (Ticket.group_id, group_id),
        (Ticket.node_id, node_id),
        (Ticket.reporter_user_id, reporter),
        (Ticket.category, category),
        (Ticket.bot_message_id, bot_message_id),
    ):
        if value is not None:
            query = query.where(column == value)
    if since is not None:
        query = query.where(col(Ticket.created_at) >= since)
    result = await session.execute(query.order_by(col(Ticket.id).desc()).limit(1))
    return result.scalar_one_or_none()


async def remember_reply(session: AsyncSession, ticket_id: int, bot_message_id: int) -> None:
    """Keep the id of the bot's answer so residents can reply to it to add to the ticket."""
    ticket = await session.get(Ticket, ticket_id)
    if ticket is not None and ticket.bot_message_id is None:
        ticket.bot_message_id = bot_message_id
        await session.flush()
