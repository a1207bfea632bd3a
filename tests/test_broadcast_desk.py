"""The web console's 群发 desk composing, on SQLite and PostgreSQL: the tree picker, the preview
for three sample groups, sending and scheduling, scopes, template limits and uploaded photos.

The demo district of 8 micro-grids (tests/support/broadcasts.py): 滨河街道 PG-01 (府前社区
PG-01-001, 承平里社区 PG-01-002) and 兴谷街道 PG-02, two grids per community, one bound group
per grid in code order; T0001 (910000001) runs PG-01, C0001 (920000001) runs PG-01-001.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, func, select

from broadcasts.desk import Composed, Upload, create_from_desk, preview_samples
from broadcasts.desk_picker import picker_children, picker_node_by_code
from broadcasts.drafts import create_draft
from broadcasts.errors import BroadcastError
from broadcasts.personalize import preview
from broadcasts.send_time import SendTimeError, SendTimeProblem
from models.access import Actor, Refused, load_actor
from models.broadcasts import Broadcast, BroadcastDelivery, DeliveryStatus
from models.groups import Group
from models.tree_service import node_by_code
from tests.support.broadcasts import seed_district
from tests.test_broadcast_template_limits import SIX_LOOPS

Factory = async_sessionmaker[AsyncSession]
DISTRICT_OFFICIAL, TOWN1_ADMIN, COMMUNITY1_ADMIN = 900000001, 910000001, 920000001
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # 17:00 in Pinggu
ZONE = ZoneInfo("Asia/Shanghai")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def photos(tmp_path: Path) -> Path:
    """The console's photo folder (beside, not holding, the test's SQLite file)."""
    return tmp_path / "photos"


async def seeded(factory: Factory) -> list[tuple[int, int, str]]:
    async with factory() as session:
        groups = await seed_district(session, 8)
        await session.commit()
    return groups


async def node(session: AsyncSession, code: str) -> int:
    found = await node_by_code(session, code)
    assert found is not None and found.id is not None
    return found.id


async def compose(
    session: AsyncSession, actor: Actor, code: str, text: str, photo_dir: Path, **more: object
) -> Broadcast:
    composed = Composed(node_id=await node(session, code), text=text, **more)  # type: ignore[arg-type]
    return await create_from_desk(
        session, actor, composed, now=NOW, zone=ZONE, photo_dir=photo_dir
    )


async def test_the_picker_walks_the_town_officials_subtree_only(
    session_factory: Factory,
) -> None:
    await seeded(session_factory)
    async with session_factory() as session:
        town = await load_actor(session, TOWN1_ADMIN)
        (top,) = await picker_children(session, town)
        assert (top.code, top.name, top.groups, top.opens) == ("PG-01", "滨河街道", 4, True)
        communities = await picker_children(session, town, top.node_id)
        assert [(c.code, c.level.value, c.groups) for c in communities] == [
            ("PG-01-001", "community", 2),
            ("PG-01-002", "community", 2),
        ]
        found = await picker_node_by_code(session, town, "pg-01-002-01")
        assert found is not None and (found.code, found.groups, found.opens) == (
            "PG-01-002-01",
            1,
            False,
        )
        assert await picker_node_by_code(session, town, "PG-09") is None
        with pytest.raises(Refused) as outside:
            await picker_node_by_code(session, town, "pg-02")
        assert (outside.value.reason, outside.value.fields) == ("scope", {"code": "PG-02"})
        with pytest.raises(Refused):
            await picker_children(session, town, await node(session, "PG-02"))


async def test_a_town_official_previews_a_template_for_the_first_three_groups(
    session_factory: Factory,
) -> None:
    groups = await seeded(session_factory)
    async with session_factory() as session:
        town = await load_actor(session, TOWN1_ADMIN)
        text = "{{ group.name }}：请{{ worker.name }}通知居民（{{ node.code }}）"
        samples = await preview_samples(session, town, await node(session, "PG-01"), text)
    first_three = [(g, t) for g, _c, t in groups if t.startswith("PG-01-")][:3]
    assert [(s.group_id, s.title) for s in samples] == first_three
    assert [s.node_code for s in samples] == ["PG-01-001-01", "PG-01-001-02", "PG-01-002-01"]
    assert samples[0].text == f"{first_three[0][1]}：请黄秀英通知居民（PG-01-001-01）"
    assert samples[2].text.endswith("请李浩然通知居民（PG-01-002-01）")


async def test_sending_to_one_community_writes_rows_for_its_active_groups_only(
    session_factory: Factory, photos: Path
) -> None:
    groups = await seeded(session_factory)
    inside = [g for g, _c, t in groups if t.startswith("PG-01-001-")]
    async with session_factory() as session:
        await session.execute(update(Group).where(col(Group.id) == inside[1]).values(active=False))
        await session.commit()
        admin = await load_actor(session, COMMUNITY1_ADMIN)
        created = await compose(session, admin, "PG-01-001", "今晚停水", photos, pin=True)
        await session.commit()
        rows = (
            await session.execute(
                select(col(BroadcastDelivery.group_id), col(BroadcastDelivery.status)).where(
                    col(BroadcastDelivery.broadcast_id) == created.id
                )
            )
        ).all()
    assert sorted(rows) == [
        (inside[0], DeliveryStatus.pending),
        (inside[1], DeliveryStatus.skipped),
    ]
    assert (created.pin, created.read_button, created.scheduled_at, created.total) == (
        True,
        False,
        None,
        2,
    )
    assert created.created_by is not None and admin.person is not None
    assert created.created_by == admin.person.id


async def test_scheduling_for_tomorrow_nine_oclock_district_time(
    session_factory: Factory, photos: Path
) -> None:
    await seeded(session_factory)
    async with session_factory() as session:
        town = await load_actor(session, TOWN1_ADMIN)
        tomorrow_nine = datetime(2026, 11, 25, 9, 0)  # as a form's datetime-local gives it
        created = await compose(
            session, town, "PG-01", "明早检修", photos, send_at=tomorrow_nine, read=True
        )
        assert created.scheduled_at == datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
        assert created.read_button and created.total == 4
        for moment, problem in (
            (datetime(2026, 11, 24, 16, 59), SendTimeProblem.past),
            (NOW.astimezone(ZONE).replace(tzinfo=None) + timedelta(days=400), "too_far"),
        ):
            with pytest.raises(SendTimeError) as refused:
                await compose(session, town, "PG-01", "x", photos, send_at=moment)
            assert refused.value.problem == problem


async def test_a_community_admin_cannot_send_to_another_community(
    session_factory: Factory, photos: Path
) -> None:
    await seeded(session_factory)
    async with session_factory() as session:
        admin = await load_actor(session, COMMUNITY1_ADMIN)
        for code in ("PG-01-002", "PG-01"):
            with pytest.raises(Refused) as refused:
                await compose(session, admin, code, "通知", photos, upload=Upload(PNG, "a.png"))
            assert refused.value.reason == "scope"
            with pytest.raises(Refused):
                await preview_samples(session, admin, await node(session, code), "通知")
        assert await session.scalar(select(func.count()).select_from(Broadcast)) == 0
    assert not photos.exists()  # refused before the upload was kept


async def test_a_too_slow_template_is_refused_at_preview_and_create_as_in_the_chat(
    session_factory: Factory, photos: Path
) -> None:
    await seeded(session_factory)
    async with session_factory() as session:
        town = await load_actor(session, TOWN1_ADMIN)
        town_id = await node(session, "PG-01")
        refusals = []
        for attempt in (
            preview_samples(session, town, town_id, SIX_LOOPS),
            compose(session, town, "PG-01", SIX_LOOPS, photos),
            preview(session, SIX_LOOPS, town_id),  # the chat's preview
            create_draft(session, town, {"node_id": town_id, "text": SIX_LOOPS}, NOW),
        ):
            with pytest.raises(BroadcastError) as refused:
                await attempt
            refusals.append((refused.value.problem, str(refused.value)))
        assert await session.scalar(select(func.count()).select_from(Broadcast)) == 0
    assert len(set(refusals)) == 1
    assert refusals[0][1].startswith("模板错误：生成一个群的文字超过了 0.5 秒计算时间")


async def test_an_uploaded_photo_is_kept_once_and_named_in_the_broadcast(
    session_factory: Factory, photos: Path
) -> None:
    await seeded(session_factory)
    async with session_factory() as session:
        town = await load_actor(session, TOWN1_ADMIN)
        first = await compose(session, town, "PG-01", "寻物", photos, upload=Upload(PNG, "x.png"))
        again = await compose(session, town, "PG-01", "", photos, upload=Upload(PNG, "y.png"))
        assert first.photo is not None and first.photo == again.photo
        assert Path(first.photo).read_bytes() == PNG and len(list(photos.iterdir())) == 1
        by_id = await compose(session, town, "PG-01", "旧图", photos, photo_file_id="AgAC-1")
        assert by_id.photo == "AgAC-1"
        for upload, reason in (
            (Upload(b"%PDF-1.7", "a.pdf"), "photo_not_image"),
            (Upload(b"", "a.png"), "photo_empty"),
        ):
            with pytest.raises(Refused) as refused:
                await compose(session, town, "PG-01", "x", photos, upload=upload)
            assert refused.value.reason == reason
        with pytest.raises(Refused) as poll_photo:
            await compose(
                session, town, "PG-01", "满意吗", photos, photo_file_id="A", options=["是", "否"]
            )
        assert poll_photo.value.reason == "poll_extras"
