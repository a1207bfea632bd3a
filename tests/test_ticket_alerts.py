"""Missing-person alerts (寻人联动) without Telegram: where the alert goes, what it says, who may
confirm, update or close it, and the broadcasts it queues (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from models.access import Refused
from models.alerts import AlertStatus, MissingAlert
from models.broadcasts import (
    Broadcast,
    BroadcastDelivery,
    BroadcastKind,
    BroadcastPriority,
    DeliveryStatus,
    EditMode,
)
from models.groups import Group
from models.tickets import EventKind, TicketStatus
from models.tree import Level, Node
from tests.test_ticket_workflow import (
    GRID2,
    LEAK,
    NOW,
    OTHER_COMMUNITY_GRID,
    OTHER_TOWN_GRID,
    RESIDENT,
    STRANGER,
    TOWN1,
    W1,
    W2,
    World,
    build_world,
)
from tickets.alert_consent import agree_to_show_phone, offers_phone_consent
from tickets.alert_facts import AlertFacts, alert_root
from tickets.alert_texts import TemplateTexts
from tickets.alerts import confirm_alert, mark_found, update_alert
from tickets.events import GroupUpdate, TellGroup

FATHER = "我父亲走失了，穿蓝色外套，78岁"
WITH_PHONE = "我父亲今天中午12点走失了，穿蓝色外套，78岁，有线索请打13812345678"
TEXTS = TemplateTexts(ZoneInfo("Asia/Shanghai"))  # as district_zone gives it
LATER = NOW + timedelta(hours=2, minutes=15)

# Groups bound besides the world's CHAT (PG-01-001-01): same community, same town, other town.
SAME_COMMUNITY, SAME_TOWN, OTHER_TOWN = -1001000000002, -1001000000003, -1001000000004


@pytest.fixture
async def world(session_factory: async_sessionmaker[AsyncSession]) -> World:
    world = await build_world(session_factory)
    await world.bind(SAME_COMMUNITY, GRID2)
    await world.bind(SAME_TOWN, OTHER_COMMUNITY_GRID)
    await world.bind(OTHER_TOWN, OTHER_TOWN_GRID)
    return world


async def confirm(world: World, number: int | None, user: int = W1, **kw: Any) -> Any:
    level = kw.pop("level", Level.town)
    async with world.session() as s:
        return await confirm_alert(s, number or 0, user, level, TEXTS, kw.pop("now", NOW))


async def refusal(world: World, action: Any, *args: Any) -> str:
    with pytest.raises(Refused) as refused:
        async with world.session() as s:
            await action(s, *args)
    return refused.value.reason


async def rows(world: World, model: Any, *where: Any) -> list[Any]:
    async with world.session() as s:
        return list((await s.execute(select(model).where(*where))).scalars())


async def target_chats(world: World, broadcast_id: int | None) -> set[int]:
    deliveries = await rows(
        world, BroadcastDelivery, BroadcastDelivery.broadcast_id == broadcast_id
    )
    return {d.chat_id for d in deliveries if d.status is DeliveryStatus.pending}


# --- pure rules ----------------------------------------------------------------------------------


def _node(level: Level, name: str) -> Node:
    return Node(code=name, name=name, level=level)


def test_the_alert_goes_to_the_configured_level_or_the_nearest_one_above() -> None:
    full = [
        _node(Level.district, "区"),
        _node(Level.town, "镇"),
        _node(Level.community, "社区"),
        _node(Level.micro_grid, "网格"),
    ]
    assert alert_root(full, Level.town).name == "镇"
    assert alert_root(full, Level.community).name == "社区"
    assert alert_root(full, Level.district).name == "区"
    no_community = [full[0], full[1], full[3]]  # a grid straight under its town
    assert alert_root(no_community, Level.community).name == "镇"


def test_the_alert_is_plain_text_and_never_a_per_group_template() -> None:
    facts = AlertFacts(
        ticket_id=5,
        description="我爷爷<b>走失</b>了 & 他说过 {{ 回家 }} {% 路 %}",
        ages=(),
        clothing=(),
        times=(),
        reported_at=NOW,
        place="平谷区",
        contact_name="",
        contact_phone="",
    )
    text = TEXTS.alert(facts)
    assert "我爷爷<b>走失</b>了 & 他说过 { { 回家 }} { % 路 %}" in text
    assert "如有线索，请拨打 110 报警。" in text  # no grid worker on file: 110 only


# --- confirming ----------------------------------------------------------------------------------


async def test_the_grid_worker_confirms_an_urgent_pinned_alert_to_every_group_of_the_town(
    world: World,
) -> None:
    ticket = await world.open(FATHER)
    done = await confirm(world, ticket.id)

    assert done.fresh and done.broadcast is not None
    (alert,) = await rows(world, MissingAlert)
    assert alert.node_id == await world.node_id("PG-01")
    assert (alert.status, alert.confirmed_by, alert.confirmed_at) == (
        AlertStatus.active,
        await world.pid(W1),
        NOW,
    )
    (sent,) = await rows(world, Broadcast, col(Broadcast.id) == alert.broadcast_id)
    assert (sent.kind, sent.priority, sent.pin, sent.ticket_id, sent.photo) == (
        BroadcastKind.alert,
        BroadcastPriority.urgent,
        True,
        ticket.id,
        None,
    )
    assert sent.text == alert.text
    assert await target_chats(world, sent.id) == {-1001000000001, SAME_COMMUNITY, SAME_TOWN}
    stored = await world.ticket(ticket.id)
    assert stored.status is TicketStatus.claimed and stored.claim_due_at is None
    assert (await world.kinds(ticket.id))[-2:] == [EventKind.claimed, EventKind.alert_confirmed]


async def test_the_alert_text_has_the_facts_and_never_the_residents_raw_phone(
    world: World,
) -> None:
    ticket = await world.open(WITH_PHONE)
    await confirm(world, ticket.id)

    (alert,) = await rows(world, MissingAlert)
    for part in (
        "寻人启事",
        "138****5678",
        "年龄：78岁",
        "衣着：穿蓝色外套",
        "走失时间：今天中午12点",
        "地点：平谷区 › 滨河街道 › 府前社区 › 1-2号楼网格",
        "报告时间：北京时间 06-02 09:30",
        "黄秀英（13830000001）",
        "110",
        f"工单 #{ticket.id}",
    ):
        assert part in alert.text
    assert "13812345678" not in alert.text


async def test_confirming_twice_sends_no_second_alert(world: World) -> None:
    ticket = await world.open(FATHER)
    await confirm(world, ticket.id)
    again = await confirm(world, ticket.id, user=TOWN1)

    assert not again.fresh and again.broadcast is None
    assert len(await rows(world, Broadcast)) == 1


@pytest.mark.parametrize(
    ("level", "root"), [(Level.community, "PG-01-001"), (Level.district, "PG")]
)
async def test_the_alert_level_is_configurable(world: World, level: Level, root: str) -> None:
    ticket = await world.open(FATHER)
    done = await confirm(world, ticket.id, level=level)

    assert done.alert.node_id == await world.node_id(root)
    expected = {-1001000000001, SAME_COMMUNITY}
    if level is Level.district:
        expected |= {SAME_TOWN, OTHER_TOWN}
    assert await target_chats(world, done.broadcast.id) == expected


async def test_staff_above_the_grid_may_confirm_too(world: World) -> None:
    ticket = await world.open(FATHER)
    done = await confirm(world, ticket.id, user=TOWN1)
    assert done.fresh and done.alert.confirmed_by == await world.pid(TOWN1)


async def test_a_photo_of_the_missing_person_goes_out_with_the_alert(world: World) -> None:
    ticket = await world.open(FATHER, photos=("father-photo",))
    done = await confirm(world, ticket.id)
    assert done.broadcast.photo == "father-photo"


async def test_refusals_are_clear_and_change_nothing(world: World) -> None:
    missing = await world.open(FATHER)
    leak = await world.open(LEAK)
    number = missing.id or 0
    # A resident, another grid's worker, a wrong number, a ticket that is not a missing person.
    assert (
        await refusal(world, confirm_alert, number, RESIDENT, Level.town, TEXTS, NOW)
        == "forbidden"
    )
    assert await refusal(world, confirm_alert, number, W2, Level.town, TEXTS, NOW) == "forbidden"
    assert await refusal(world, confirm_alert, 9999, W1, Level.town, TEXTS, NOW) == "unknown"
    assert (
        await refusal(world, confirm_alert, leak.id, W1, Level.town, TEXTS, NOW) == "not_missing"
    )
    assert await refusal(world, update_alert, number, W1, "新情况", TEXTS, NOW) == "no_alert"
    assert await refusal(world, mark_found, number, STRANGER, "", TEXTS, NOW) == "forbidden"
    assert await rows(world, MissingAlert) == [] and await rows(world, Broadcast) == []
    assert (await world.ticket(number)).status is TicketStatus.new


# --- updates and found ---------------------------------------------------------------------------


async def test_an_update_is_appended_as_the_latest_news_and_every_copy_edited(
    world: World,
) -> None:
    ticket = await world.open(FATHER)
    first = await confirm(world, ticket.id)
    async with world.session() as s:
        done = await update_alert(
            s, ticket.id or 0, W1, "有居民在汽车站附近见过老人", TEXTS, NOW + timedelta(minutes=40)
        )

    (alert,) = await rows(world, MissingAlert)
    assert "📢 最新情况（北京时间 06-02 10:10）：有居民在汽车站附近见过老人" in alert.text
    assert "衣着：穿蓝色外套" in alert.text  # the original facts stay
    assert alert.updated_at == NOW + timedelta(minutes=40)
    edit = done.broadcast
    assert edit is not None
    assert (edit.kind, edit.source_id, edit.edit_mode, edit.text) == (
        BroadcastKind.edit,
        first.broadcast.id,
        EditMode.update,
        alert.text,
    )
    events = await world.events(ticket.id)
    assert (events[-1].kind, events[-1].text) == (
        EventKind.alert_updated,
        "有居民在汽车站附近见过老人",
    )


async def test_news_too_long_for_the_copies_is_refused_and_leaves_no_trace(world: World) -> None:
    ticket = await world.open(FATHER)
    await confirm(world, ticket.id)
    (before,) = await rows(world, MissingAlert)
    news = "有居民反映" * 900  # 4,500 characters: more messages than each copy has

    reason = await refusal(world, update_alert, ticket.id, W1, news, TEXTS, NOW)

    assert reason == "too_long"
    (after,) = await rows(world, MissingAlert)
    assert (after.text, after.updated_at) == (before.text, None)
    assert EventKind.alert_updated not in await world.kinds(ticket.id)
    assert len(await rows(world, Broadcast)) == 1


async def test_found_resolves_the_ticket_records_the_time_and_edits_every_copy(
    world: World,
) -> None:
    ticket = await world.open(FATHER)
    first = await confirm(world, ticket.id)
    async with world.session() as s:
        done = await mark_found(s, ticket.id or 0, W1, "在汽车站找到，已平安到家", TEXTS, LATER)

    stored = await world.ticket(ticket.id)
    assert (stored.status, stored.resolved_at, stored.resolution) == (
        TicketStatus.resolved,
        LATER,
        "在汽车站找到，已平安到家",
    )
    (alert,) = await rows(world, MissingAlert)
    assert (alert.status, alert.found_at, alert.found_by) == (
        AlertStatus.found,
        LATER,
        await world.pid(W1),
    )
    assert alert.found_seconds == 2 * 3600 + 15 * 60
    edit = done.broadcast
    assert edit is not None
    assert (edit.kind, edit.source_id, edit.edit_mode) == (
        BroadcastKind.edit,
        first.broadcast.id,
        EditMode.found,
    )
    assert "已找到" in edit.text and "感谢" in edit.text and "2 小时 15 分钟" in edit.text
    assert "穿蓝色外套" not in edit.text  # the description is taken down with the photo
    assert done.notices == [
        TellGroup(
            ticket.id or 0, GroupUpdate.found, (await world.pid(W1),), "在汽车站找到，已平安到家"
        )
    ]
    assert (await world.kinds(ticket.id))[-1] is EventKind.found


async def test_nothing_more_happens_to_an_alert_once_the_person_is_found(world: World) -> None:
    ticket = await world.open(FATHER)
    await confirm(world, ticket.id)
    async with world.session() as s:
        await mark_found(s, ticket.id or 0, W1, "", TEXTS, LATER)
    number = ticket.id or 0

    assert await refusal(world, mark_found, number, W1, "", TEXTS, LATER) == "found"
    assert await refusal(world, update_alert, number, W1, "又见到了", TEXTS, LATER) == "found"
    assert await refusal(world, confirm_alert, number, W1, Level.town, TEXTS, LATER) == "found"
    assert len(await rows(world, Broadcast)) == 2  # the alert and its one found-edit


async def test_found_before_any_alert_resolves_the_ticket_without_a_broadcast(
    world: World,
) -> None:
    ticket = await world.open(FATHER)
    async with world.session() as s:
        done = await mark_found(s, ticket.id or 0, W1, "", TEXTS, LATER)

    assert done.broadcast is None and done.alert is None
    stored = await world.ticket(ticket.id)
    assert (stored.status, stored.resolution) == (TicketStatus.resolved, "已找到")
    assert await rows(world, Broadcast) == []
    assert await refusal(world, confirm_alert, ticket.id, W1, Level.town, TEXTS, LATER) == "closed"


# --- the reporter's phone ------------------------------------------------------------------------


async def test_the_reporter_may_agree_to_show_their_phone_and_the_live_alert_is_edited(
    world: World,
) -> None:
    ticket = await world.open(WITH_PHONE)
    assert offers_phone_consent(ticket)
    first = await confirm(world, ticket.id)
    number = ticket.id or 0
    assert (
        await refusal(world, agree_to_show_phone, number, STRANGER, TEXTS, NOW) == "not_reporter"
    )
    async with world.session() as s:
        done = await agree_to_show_phone(s, number, RESIDENT, TEXTS, NOW)

    assert (await world.ticket(number)).contact_public
    assert done.alert is not None and done.broadcast is not None
    assert "家属电话：13812345678" in done.alert.text
    assert (done.broadcast.edit_mode, done.broadcast.source_id) == (
        EditMode.update,
        first.broadcast.id,
    )
    async with world.session() as s:
        again = await agree_to_show_phone(s, number, RESIDENT, TEXTS, NOW)
    assert not again.fresh and again.broadcast is None


async def test_no_phone_no_consent_button_and_a_clear_refusal(world: World) -> None:
    ticket = await world.open(FATHER)
    assert not offers_phone_consent(ticket)
    assert not offers_phone_consent(await world.open(LEAK + "，电话13812345678"))
    reason = await refusal(world, agree_to_show_phone, ticket.id, RESIDENT, TEXTS, NOW)
    assert reason == "no_phone"


async def test_an_inactive_group_in_the_town_is_skipped_not_lost(world: World) -> None:
    async with world.session() as s:
        found = await s.execute(select(Group).where(Group.chat_id == SAME_TOWN))
        found.scalar_one().active = False
    ticket = await world.open(FATHER)
    done = await confirm(world, ticket.id)

    deliveries = await rows(
        world, BroadcastDelivery, BroadcastDelivery.broadcast_id == done.broadcast.id
    )
    assert {d.chat_id: d.status for d in deliveries}[SAME_TOWN] is DeliveryStatus.skipped
