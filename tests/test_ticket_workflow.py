"""Ticket workflow on a real database (SQLite and PostgreSQL), without Telegram: opening, routing,
duplicates, and what staff do to a ticket (claim, note, resolve, transfer).

The shared world (a demo district of 8 grids, staff with private chats, a group bound to
PG-01-001-01) lives here and is used by the other tests/test_ticket_*.py files too.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from classify import default_classifier
from core.db import session_scope
from core.vocabulary import Category, Priority
from models.access import Refused
from models.demo_data import generate_district
from models.group_service import record_bot_added
from models.importer import import_tree
from models.people import Person
from models.tickets import EventKind, Rating, Ticket, TicketEvent, TicketStatus
from models.tree_service import node_by_code
from tickets import actions
from tickets.access import Refusal
from tickets.events import AskRating, GroupUpdate, NotifyStaff, StaffReason, TellGroup
from tickets.feedback import rate
from tickets.history import history
from tickets.opening import Opening, Outcome, Report, remember_reply, report_message
from tickets.policy import TicketPolicy

BEIJING = timezone(timedelta(hours=8))
NOW = datetime(2025, 6, 2, 9, 30, tzinfo=BEIJING)

GRID1, GRID2 = "PG-01-001-01", "PG-01-001-02"  # both under 府前社区 PG-01-001, town PG-01
OTHER_COMMUNITY_GRID = "PG-01-002-01"  # same town, another community
OTHER_TOWN_GRID = "PG-02-001-01"
CHAT, UNBOUND_CHAT = -1001000000001, -1001000000099

DISTRICT, TOWN1, TOWN2 = 900000001, 910000001, 910000002
COMMUNITY1, COMMUNITY2 = 920000001, 920000002
W1, W2, W3, W5 = 930000001, 930000002, 930000003, 930000005  # grid workers of the grids above
NO_CHAT_WORKER = 930000004  # PG-01-002-02's worker never started a private chat
REACHABLE = (DISTRICT, TOWN1, TOWN2, COMMUNITY1, COMMUNITY2, 920000003, W1, W2, W3, W5)

RESIDENT, NEIGHBOUR, STRANGER = 7000001, 7000002, 7000003
NAMES = {RESIDENT: "王大妈", NEIGHBOUR: "李阿姨", STRANGER: "赵先生"}

LEAK = "我家厨房水管漏水了，楼下都湿了"
CHATTER = "今天天气不错，大家吃了吗"
MISSING = "十万火急，我父亲今天中午走失了，穿蓝色上衣"
FIGHT = "有人在楼下吵架打起来了"

T = TypeVar("T")


@dataclass
class World:
    """The district, one bound group, and short ways to act on it, one transaction per call."""

    db: async_sessionmaker[AsyncSession]
    policy: TicketPolicy

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with session_scope(self.db) as s:
            yield s

    async def run(self, action: Callable[..., Awaitable[T]], *args: Any) -> T:
        """Call `action(session, *args)` in its own committed transaction."""
        async with self.session() as s:
            return await action(s, *args)

    async def report(
        self,
        text: str,
        *,
        user: int = RESIDENT,
        now: datetime = NOW,
        chat: int = CHAT,
        photos: tuple[str, ...] = (),
        reply_to: int | None = None,
        explicit: bool = False,
    ) -> Opening:
        report = Report(
            chat_id=chat,
            reporter_user_id=user,
            reporter_name=NAMES.get(user, "居民"),
            text=text,
            message_id=100,
            photos=photos,
            reply_to_message_id=reply_to,
            explicit=explicit,
        )
        found = default_classifier().classify(text)
        async with self.session() as s:
            return await report_message(s, report, found, self.policy, now)

    async def open(self, text: str = LEAK, **kwargs: Any) -> Ticket:
        opening = await self.report(text, **kwargs)
        assert opening.outcome is Outcome.opened and opening.ticket is not None
        return opening.ticket

    async def bind(self, chat: int, code: str | None) -> int:
        async with self.session() as s:
            group = await record_bot_added(s, chat, f"群 {code}", "supergroup", NOW)
            if code is not None:
                group.node_id = await self._node_id(s, code)
            await s.flush()
            assert group.id is not None
            return group.id

    async def node_id(self, code: str) -> int:
        async with self.session() as s:
            return await self._node_id(s, code)

    @staticmethod
    async def _node_id(s: AsyncSession, code: str) -> int:
        node = await node_by_code(s, code)
        assert node is not None and node.id is not None
        return node.id

    async def pid(self, telegram_id: int) -> int:
        """The person id of a Telegram user."""
        return (await self.person(telegram_id)).id or 0

    async def person(self, telegram_id: int) -> Person:
        async with self.session() as s:
            found = await s.execute(select(Person).where(Person.telegram_user_id == telegram_id))
            return found.scalar_one()

    async def set_private_chat(self, telegram_id: int, value: bool) -> None:
        async with self.session() as s:
            found = await s.execute(select(Person).where(Person.telegram_user_id == telegram_id))
            found.scalar_one().private_chat = value

    async def ticket(self, number: int | None) -> Ticket:
        async with self.session() as s:
            ticket = await s.get(Ticket, number)
            assert ticket is not None
            return ticket

    async def tickets(self) -> list[Ticket]:
        async with self.session() as s:
            return list((await s.execute(select(Ticket).order_by(col(Ticket.id)))).scalars())

    async def events(self, number: int | None) -> list[TicketEvent]:
        async with self.session() as s:
            found = await s.execute(
                select(TicketEvent)
                .where(TicketEvent.ticket_id == number)
                .order_by(col(TicketEvent.at), col(TicketEvent.id))
            )
            return list(found.scalars())

    async def kinds(self, number: int | None) -> list[EventKind]:
        return [e.kind for e in await self.events(number)]


async def build_world(factory: async_sessionmaker[AsyncSession]) -> World:
    """Demo district (8 grids), most staff reachable in private, CHAT bound to PG-01-001-01."""
    nodes, staff = generate_district(grids=8)
    async with session_scope(factory) as s:
        await import_tree(s, nodes, staff)
        found = await s.execute(select(Person).where(col(Person.telegram_user_id).in_(REACHABLE)))
        for person in found.scalars():
            person.private_chat = True
    world = World(factory, TicketPolicy())
    await world.bind(CHAT, GRID1)
    return world


@pytest.fixture
async def world(session_factory: async_sessionmaker[AsyncSession]) -> World:
    return await build_world(session_factory)


# --- opening -----------------------------------------------------------------------------------


async def test_a_leak_in_the_grid_opens_a_repair_ticket_routed_to_its_worker(world: World) -> None:
    opening = await world.report(LEAK, photos=("leak-photo",))

    assert opening.outcome is Outcome.opened
    ticket = opening.ticket
    assert ticket is not None and ticket.id is not None
    assert opening.route is not None and opening.route.node.code == GRID1
    assert [p.telegram_user_id for p in opening.route.recipients] == [W1]
    assert opening.route.unreachable == []
    assert opening.notices == [NotifyStaff(ticket.id, (await world.pid(W1),), StaffReason.new)]

    stored = await world.ticket(ticket.id)
    assert (stored.category, stored.priority, stored.status) == ("repair", "normal", "new")
    assert stored.node_id == stored.handling_node_id == await world.node_id(GRID1)
    assert (stored.reporter_user_id, stored.reporter_name, stored.text) == (
        RESIDENT,
        "王大妈",
        LEAK,
    )
    assert json.loads(stored.photos) == ["leak-photo"]
    deadline = world.policy.deadline(Category.REPAIR, Priority.NORMAL)
    assert stored.created_at == NOW
    assert stored.claim_due_at == NOW + deadline.claim
    assert stored.resolve_due_at == NOW + deadline.resolve
    events = await world.events(ticket.id)
    assert [e.kind for e in events] == [EventKind.opened, EventKind.routed]
    assert events[0].actor_user_id == RESIDENT and events[0].text == LEAK
    assert events[1].text == (await world.person(W1)).name


async def test_chatter_is_not_a_case_and_opens_no_ticket(world: World) -> None:
    opening = await world.report(CHATTER)

    assert opening.outcome is Outcome.not_a_case and opening.ticket is None
    assert await world.tickets() == []


async def test_an_explicit_report_the_classifier_cannot_place_opens_an_other_ticket(
    world: World,
) -> None:
    ticket = await world.open("请网格员看看这张照片", explicit=True, photos=("photo-1",))

    assert (ticket.category, ticket.priority) == ("other", "normal")


async def test_messages_in_an_unbound_or_unknown_group_are_unbound(world: World) -> None:
    await world.bind(UNBOUND_CHAT, None)

    assert (await world.report(LEAK, chat=UNBOUND_CHAT)).outcome is Outcome.unbound
    assert (await world.report(LEAK, chat=-1009999)).outcome is Outcome.unbound
    assert await world.tickets() == []


# --- duplicates ----------------------------------------------------------------------------------


async def test_the_same_resident_repeating_within_the_window_adds_to_the_ticket(
    world: World,
) -> None:
    first = await world.open(LEAK)

    again = await world.report(
        "水管还在漏，越漏越多了", now=NOW + timedelta(minutes=10), photos=("more-water",)
    )

    assert again.outcome is Outcome.added
    assert again.ticket is not None and again.ticket.id == first.id
    assert [t.id for t in await world.tickets()] == [first.id]
    assert await world.kinds(first.id) == [EventKind.opened, EventKind.routed, EventKind.added]
    assert json.loads((await world.ticket(first.id)).photos) == ["more-water"]


async def test_the_same_resident_after_the_window_opens_a_new_ticket(world: World) -> None:
    first = await world.open(LEAK)

    later = await world.report(
        LEAK, now=NOW + world.policy.duplicate_window + timedelta(minutes=1)
    )

    assert later.outcome is Outcome.opened
    assert later.ticket is not None and later.ticket.id != first.id
    assert len(await world.tickets()) == 2


async def test_a_neighbour_reporting_the_same_kind_of_case_is_linked_to_the_first_ticket(
    world: World,
) -> None:
    first = await world.open(LEAK)

    neighbour = await world.report(
        "楼上水管漏水，我家天花板在滴水", user=NEIGHBOUR, now=NOW + timedelta(minutes=5)
    )

    assert neighbour.outcome is Outcome.linked
    assert neighbour.ticket is not None and neighbour.ticket.id == first.id
    assert len(await world.tickets()) == 1
    events = await world.events(first.id)
    assert events[-1].kind is EventKind.linked
    assert events[-1].actor_user_id == NEIGHBOUR
    assert events[-1].text.startswith("李阿姨: ")


async def test_a_missing_person_after_a_leak_from_the_same_resident_is_its_own_urgent_case(
    world: World,
) -> None:
    leak = await world.open(LEAK)

    missing = await world.report(MISSING, now=NOW + timedelta(minutes=10))

    assert missing.outcome is Outcome.opened
    assert missing.ticket is not None and missing.ticket.id != leak.id
    assert (missing.ticket.category, missing.ticket.priority) == ("missing_person", "urgent")
    assert any(
        isinstance(n, NotifyStaff) and n.reason is StaffReason.alert for n in missing.notices
    )


async def test_a_photo_the_classifier_cannot_place_from_the_reporter_adds_to_their_ticket(
    world: World,
) -> None:
    leak = await world.open(LEAK)

    photo = await world.report(
        "就是这里", explicit=True, photos=("pipe",), now=NOW + timedelta(minutes=3)
    )

    assert photo.outcome is Outcome.added
    assert photo.ticket is not None and photo.ticket.id == leak.id
    assert json.loads((await world.ticket(leak.id)).photos) == ["pipe"]


async def test_a_reply_to_the_bots_ticket_message_adds_to_that_ticket(world: World) -> None:
    ticket = await world.open(LEAK)
    assert ticket.id is not None
    await world.run(remember_reply, ticket.id, 555)

    # Even chatter counts when it answers the bot's message about the ticket.
    reply = await world.report(
        "补充：是3单元201", user=NEIGHBOUR, now=NOW + timedelta(hours=3), reply_to=555
    )

    assert reply.outcome is Outcome.added
    assert reply.ticket is not None and reply.ticket.id == ticket.id
    last = (await world.events(ticket.id))[-1]
    assert (last.kind, last.actor_user_id) == (EventKind.added, NEIGHBOUR)
    assert last.text == "李阿姨: 补充：是3单元201"  # not the reporter: named, as when linked
    # A reply to some other message of the bot is an ordinary message.
    other = await world.report("补充：是3单元201", user=NEIGHBOUR, reply_to=556)
    assert other.outcome is Outcome.not_a_case


# --- routing -------------------------------------------------------------------------------------


async def test_a_worker_without_private_chat_is_skipped_for_the_community_by_role(
    world: World,
) -> None:
    await world.set_private_chat(W1, False)

    opening = await world.report(LEAK)

    ticket = opening.ticket
    assert ticket is not None and ticket.id is not None and opening.route is not None
    assert opening.route.node.code == "PG-01-001"
    assert [p.telegram_user_id for p in opening.route.recipients] == [COMMUNITY1]
    assert [p.telegram_user_id for p in opening.route.unreachable] == [W1]
    admin = await world.pid(COMMUNITY1)
    # The group learns it by role and where the ticket went; the history names the worker.
    went = TellGroup(ticket.id, GroupUpdate.unreachable, roles=("grid_worker",), note="府前社区")
    assert went in opening.notices
    assert NotifyStaff(ticket.id, (admin,), StaffReason.new) in opening.notices
    stored = await world.ticket(ticket.id)
    assert stored.node_id == await world.node_id(GRID1)
    assert stored.handling_node_id == await world.node_id("PG-01-001")
    events = await world.events(ticket.id)
    assert [e.kind for e in events] == [EventKind.opened, EventKind.unreachable, EventKind.routed]
    assert events[1].text == (await world.person(W1)).name


async def test_a_missing_person_is_urgent_and_community_and_town_are_alerted_at_once(
    world: World,
) -> None:
    opening = await world.report(MISSING)

    ticket = opening.ticket
    assert ticket is not None and ticket.id is not None
    assert (ticket.category, ticket.priority) == ("missing_person", "urgent")
    assert ticket.claim_due_at == NOW + timedelta(minutes=5)
    assert "穿蓝色上衣" in json.loads(ticket.details)["clothing"]
    worker = await world.pid(W1)
    alerted = {await world.pid(COMMUNITY1), await world.pid(TOWN1)}
    assert opening.notices[0] == NotifyStaff(ticket.id, (worker,), StaffReason.new)
    alert = opening.notices[1]
    assert isinstance(alert, NotifyStaff) and alert.reason is StaffReason.alert
    assert set(alert.person_ids) == alerted
    assert len(opening.notices) == 2


# --- staff actions -------------------------------------------------------------------------------


async def test_the_grid_worker_claims_and_the_group_is_told(world: World) -> None:
    ticket = await world.open(LEAK)
    at = NOW + timedelta(minutes=20)

    done = await world.run(actions.claim, ticket.id, W1, at, world.policy)

    worker = await world.pid(W1)
    assert done.actor.id == worker
    assert done.notices == [TellGroup(ticket.id or 0, GroupUpdate.claimed, (worker,))]
    stored = await world.ticket(ticket.id)
    assert stored.status is TicketStatus.claimed
    assert (stored.assignee_person_id, stored.claimed_at, stored.claim_due_at) == (
        worker,
        at,
        None,
    )
    assert (
        stored.resolve_due_at
        == at + world.policy.deadline(Category.REPAIR, Priority.NORMAL).resolve
    )
    assert (await world.kinds(ticket.id))[-1] is EventKind.claimed
    # Pressing 接单 again changes nothing and says nothing.
    again = await world.run(actions.claim, ticket.id, W1, at + timedelta(minutes=1), world.policy)
    assert again.notices == []
    assert (await world.kinds(ticket.id)).count(EventKind.claimed) == 1


async def test_a_note_then_a_resolution_with_photos_ask_the_reporter_to_rate(world: World) -> None:
    ticket = await world.open(LEAK, photos=("before",))
    number = ticket.id or 0
    await world.run(actions.claim, number, W1, NOW + timedelta(minutes=5), world.policy)
    noted = await world.run(
        actions.add_note, number, W1, "已联系物业维修", NOW + timedelta(minutes=30)
    )
    assert noted.notices == []

    at = NOW + timedelta(hours=2)
    done = await world.run(
        actions.resolve, number, W1, "已更换水管", ("after-1", "after-2"), at, world.policy
    )

    worker = await world.pid(W1)
    assert done.notices == [
        TellGroup(number, GroupUpdate.resolved, (worker,), "已更换水管"),
        AskRating(number),
    ]
    stored = await world.ticket(number)
    assert stored.status is TicketStatus.resolved
    assert (stored.resolved_at, stored.resolution) == (at, "已更换水管")
    assert (stored.claim_due_at, stored.resolve_due_at) == (None, None)
    assert stored.feedback_due_at == at + world.policy.feedback_window
    assert json.loads(stored.photos) == ["before", "after-1", "after-2"]
    events = await world.events(number)
    assert [e.kind for e in events][-3:] == [
        EventKind.claimed,
        EventKind.noted,
        EventKind.resolved,
    ]
    assert events[-2].text == "已联系物业维修" and events[-1].text == "已更换水管"
    assert events[-1].actor_person_id == worker


async def test_resolving_an_unclaimed_ticket_assigns_it_to_whoever_resolved_it(
    world: World,
) -> None:
    ticket = await world.open(LEAK)

    await world.run(actions.resolve, ticket.id, W1, "已处理", (), NOW, world.policy)

    stored = await world.ticket(ticket.id)
    assert stored.assignee_person_id == await world.pid(W1)
    assert stored.claimed_at == NOW


async def test_resolving_or_claiming_a_resolved_or_closed_ticket_is_refused(world: World) -> None:
    ticket = await world.open(LEAK)
    await world.run(actions.resolve, ticket.id, W1, "已处理", (), NOW, world.policy)

    async def refusals() -> list[str]:
        reasons = []
        for act, args in (
            (actions.resolve, (W1, "再次处理", (), NOW, world.policy)),
            (actions.claim, (W1, NOW, world.policy)),
            (actions.transfer, (COMMUNITY1, GRID2, NOW, world.policy)),
        ):
            with pytest.raises(Refused) as refused:
                await world.run(act, ticket.id, *args)
            reasons.append(refused.value.reason)
        return reasons

    assert await refusals() == [Refusal.closed] * 3  # resolved, waiting for the rating
    await world.run(rate, ticket.id, RESIDENT, Rating.satisfied, NOW, world.policy)
    assert (await world.ticket(ticket.id)).status is TicketStatus.closed
    assert await refusals() == [Refusal.closed] * 3
    assert (await world.ticket(ticket.id)).resolution == "已处理"


async def test_transfer_to_a_grid_the_actor_covers_hands_the_ticket_over(world: World) -> None:
    ticket = await world.open(LEAK)
    number = ticket.id or 0
    await world.run(actions.claim, number, COMMUNITY1, NOW, world.policy)
    at = NOW + timedelta(minutes=10)

    done = await world.run(actions.transfer, number, COMMUNITY1, GRID2, at, world.policy)

    assert done.notices == [NotifyStaff(number, (await world.pid(W2),), StaffReason.transferred)]
    stored = await world.ticket(number)
    assert stored.handling_node_id == await world.node_id(GRID2)
    assert stored.node_id == await world.node_id(GRID1)  # where it came from does not change
    assert (stored.status, stored.assignee_person_id) == (TicketStatus.new, None)
    assert (
        stored.claim_due_at == at + world.policy.deadline(Category.REPAIR, Priority.NORMAL).claim
    )
    last = (await world.events(number))[-1]
    assert last.kind is EventKind.transferred and last.node_id == stored.handling_node_id
    # The worker it was handed to can take it.
    claimed = await world.run(actions.claim, number, W2, at, world.policy)
    assert claimed.ticket.assignee_person_id == await world.pid(W2)


async def test_transfer_to_a_node_the_actor_does_not_cover_is_forbidden(world: World) -> None:
    ticket = await world.open(LEAK)

    with pytest.raises(Refused) as refused:
        await world.run(actions.transfer, ticket.id, W1, GRID2, NOW, world.policy)

    assert refused.value.reason is Refusal.forbidden
    assert (await world.ticket(ticket.id)).handling_node_id == await world.node_id(GRID1)


async def test_transfer_to_an_unknown_code_is_unknown(world: World) -> None:
    ticket = await world.open(LEAK)

    with pytest.raises(Refused) as refused:
        await world.run(actions.transfer, ticket.id, TOWN1, "PG-99-999-99", NOW, world.policy)

    assert refused.value.reason is Refusal.unknown


# --- history -------------------------------------------------------------------------------------


async def test_history_lists_the_events_in_order_with_who_did_them(world: World) -> None:
    ticket = await world.open(LEAK)
    number = ticket.id or 0
    await world.report("邻居也说漏水了", user=NEIGHBOUR, now=NOW + timedelta(minutes=1))
    await world.run(actions.claim, number, W1, NOW + timedelta(minutes=2), world.policy)
    await world.run(actions.add_note, number, COMMUNITY1, "请尽快", NOW + timedelta(minutes=3))
    done_at = NOW + timedelta(hours=1)
    await world.run(actions.resolve, number, W1, "修好了", (), done_at, world.policy)
    await world.run(rate, number, RESIDENT, Rating.satisfied, done_at, world.policy)

    lines = await world.run(history, number)

    worker, admin = (await world.person(W1)).name, (await world.person(COMMUNITY1)).name
    assert [(e.kind, name) for e, name in lines] == [
        (EventKind.opened, "王大妈"),
        (EventKind.routed, ""),
        (EventKind.linked, ""),
        (EventKind.claimed, worker),
        (EventKind.noted, admin),
        (EventKind.resolved, worker),
        (EventKind.rated, "王大妈"),
        (EventKind.closed, ""),
    ]
    assert lines[2][0].text == "李阿姨: 邻居也说漏水了"
    assert [e.at for e, _ in lines] == sorted(e.at for e, _ in lines)


async def test_a_more_urgent_follow_up_raises_the_priority_and_tightens_deadlines(
    world: World,
) -> None:
    first = await world.open("厨房水管有点渗水")
    assert first.priority == "normal" and first.claim_due_at is not None
    again = await world.report("水管爆了！水漫得到处都是", now=NOW + timedelta(minutes=1))
    assert again.outcome is Outcome.added and again.ticket is not None
    assert again.ticket.id == first.id and again.ticket.priority == "high"
    high = world.policy.deadline(Category.REPAIR, Priority.HIGH).claim
    assert again.ticket.claim_due_at == NOW + timedelta(minutes=1) + high
    assert again.ticket.claim_due_at < first.claim_due_at
