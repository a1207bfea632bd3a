"""The console's 群发 desk through aiohttp's test client, on SQLite and PostgreSQL: the list
with live progress, one broadcast's report, cancelling (and its date job), scopes, CSRF.

The demo district of 8 micro-grids with one bound group each (tests/support/broadcasts.py):
T0001 runs 滨河街道 PG-01, C0001 its 府前社区 PG-01-001, C0003 兴谷街道's PG-02-001.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import ClientResponse, FormData
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from bot.broadcast_jobs import ScheduledSends
from bot.console_hooks import BotBroadcastHooks
from broadcasts.desk import Composed, create_from_desk
from core.clock import FakeClock
from core.config import ConsoleSettings, Settings
from core.db import session_scope
from core.timezone import district_zone
from models.access import load_actor
from models.audit import AuditEntry
from models.broadcasts import Broadcast, BroadcastDelivery, BroadcastStatus
from models.groups import Group
from models.tree import Node
from models.tree_service import node_by_code
from tests.support.broadcasts import seed_district
from tests.support.console import console_client, log_in

Factory = async_sessionmaker[AsyncSession]
TOWN1_ADMIN = 910000001


class RecordedHooks:
    """The bot's side of the desk's hooks, recorded (console/desk_hooks.py)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int, datetime | None]] = []

    def sent(self, broadcast_id: int) -> None:
        self.calls.append(("sent", broadcast_id, None))

    def scheduled(self, broadcast_id: int, at: datetime) -> None:
        self.calls.append(("scheduled", broadcast_id, at))

    def cancelled(self, broadcast_id: int) -> None:
        self.calls.append(("cancelled", broadcast_id, None))


@pytest.fixture
async def factory(session_factory: Factory) -> Factory:
    async with session_scope(session_factory) as session:
        await seed_district(session, 8)
    return session_factory


def desk_settings(tmp_path: Path) -> Settings:
    return Settings(console=ConsoleSettings(uploads_dir=tmp_path / "uploads"))


async def made_by_town1(factory: Factory, clock: FakeClock, code: str, text: str) -> int:
    """A broadcast composed at the desk by 滨河街道's admin, committed."""
    async with session_scope(factory) as session:
        node = await node_by_code(session, code)
        assert node is not None and node.id is not None
        actor = await load_actor(session, TOWN1_ADMIN)
        created = await create_from_desk(
            session,
            actor,
            Composed(node_id=node.id, text=text),
            now=clock.now(),
            zone=district_zone(Settings()),
            photo_dir=Path("/"),
        )
        await session.flush()
        assert created.id is not None
        return created.id


async def test_the_list_shows_visible_broadcasts_refreshing_while_they_are_sent(
    factory: Factory, tmp_path: Path
) -> None:
    clock = FakeClock()
    mine = await made_by_town1(factory, clock, "PG-01-001", "府前社区停水通知")
    theirs = await made_by_town1(factory, clock, "PG-01-002", "承平里社区通知")
    async with console_client(factory, clock, desk_settings(tmp_path)) as client:
        await log_in(client, factory, clock, "C0001")
        listing = await client.get("/broadcasts")
        html = await listing.text()
        assert listing.status == 200
        assert f'href="/broadcasts/{mine}"' in html and "府前社区停水通知" in html
        assert f'href="/broadcasts/{theirs}"' not in html
        assert 'data-refresh="/broadcasts/rows?page=1" data-every="5"' in html
        assert '<a href="/broadcasts" aria-current="page">群发</a>' in html
        rows = await client.get("/broadcasts/rows")
        assert "府前社区停水通知" in await rows.text() and "<html" not in await rows.text()


async def test_the_detail_reports_per_child_and_is_refused_outside_the_scope(
    factory: Factory, tmp_path: Path
) -> None:
    clock = FakeClock()
    town = await made_by_town1(factory, clock, "PG-01", "全街道通知")
    async with console_client(factory, clock, desk_settings(tmp_path)) as client:
        await log_in(client, factory, clock, "T0001")
        detail = await client.get(f"/broadcasts/{town}")
        html = await detail.text()
        assert detail.status == 200
        assert "府前社区" in html and "承平里社区" in html and "全街道通知" in html
        assert "共 4 个群" in html
        assert f'action="/broadcasts/{town}/cancel"' in html
        progress = await (await client.get(f"/broadcasts/{town}/progress")).text()
        assert "待发 4" in progress and "<html" not in progress
        # the live part refreshes the delivery per child and the cancel button too
        assert "府前社区" in progress and f'action="/broadcasts/{town}/cancel"' in progress
    async with console_client(factory, clock, desk_settings(tmp_path)) as client:
        await log_in(client, factory, clock, "C0001")
        refused = await client.get(f"/broadcasts/{town}")
        assert refused.status == 403 and "不在您负责的范围内" in await refused.text()
        assert (await client.get("/broadcasts/999999")).status == 404


async def test_cancelling_stops_the_broadcast_drops_its_date_job_and_is_audited(
    factory: Factory, tmp_path: Path
) -> None:
    clock, hooks = FakeClock(), RecordedHooks()
    number = await made_by_town1(factory, clock, "PG-01-001", "明天的通知")
    async with console_client(factory, clock, desk_settings(tmp_path), hooks=hooks) as client:
        csrf = await log_in(client, factory, clock, "C0001")
        forged = await client.post(f"/broadcasts/{number}/cancel", data={"_csrf": "forged"})
        assert forged.status == 403 and "安全校验未通过" in await forged.text()
        assert hooks.calls == []
        done = await client.post(f"/broadcasts/{number}/cancel", data={"_csrf": csrf})
        assert done.status == 200 and "已取消，没有发出任何一份" in await done.text()
        assert "取消这条群发" not in await done.text()
        ended = await (await client.get(f"/broadcasts/{number}/progress")).text()
        assert "已取消" in ended and "取消这条群发" not in ended
    assert hooks.calls == [("cancelled", number, None)]
    async with factory() as session:
        broadcast = await session.get(Broadcast, number)
        assert broadcast is not None and broadcast.status is BroadcastStatus.cancelled
        entries = (await session.scalars(select(AuditEntry).order_by(col(AuditEntry.id)))).all()
    assert [(e.command, e.args, e.outcome) for e in entries][-1] == (
        "console:cancel_broadcast",
        f"#{number}",
        "ok",
    )


async def node_id(factory: Factory, code: str) -> int:
    async with factory() as session:
        node = await node_by_code(session, code)
    assert node is not None and node.id is not None
    return node.id


async def delivery_codes(factory: Factory, broadcast_id: int) -> list[str]:
    """The node codes of the groups a broadcast has an outbox row for."""
    async with factory() as session:
        rows = await session.execute(
            select(col(Node.code))
            .join(Group, col(Group.node_id) == col(Node.id))
            .join(BroadcastDelivery, col(BroadcastDelivery.group_id) == col(Group.id))
            .where(col(BroadcastDelivery.broadcast_id) == broadcast_id)
            .order_by(col(Node.code))
        )
    return [str(code) for code in rows.scalars()]


def created_number(response: ClientResponse) -> int:
    assert response.status == 200, response.status
    return int(response.url.path.rsplit("/", 1)[1])


async def test_a_town_official_previews_a_template_for_three_sample_groups(
    factory: Factory, tmp_path: Path
) -> None:
    clock = FakeClock()
    town = await node_id(factory, "PG-01")
    async with console_client(factory, clock, desk_settings(tmp_path)) as client:
        csrf = await log_in(client, factory, clock, "T0001")
        form = await client.get("/broadcasts/new?node=PG-01")
        html = await form.text()
        assert form.status == 200 and 'href="/broadcasts/new?node=PG-01-001"' in html
        assert '<label for="text">' in html and '<label for="send-at">' in html
        asked = {"_csrf": csrf, "node_id": str(town), "text": "{{ node.name }}的居民您好"}
        live = await client.post(
            "/broadcasts/preview", data=asked, headers={"X-Requested-With": "fetch"}
        )
        samples = await live.text()
        assert samples.count('<figure class="sample">') == 3 and "<html" not in samples
        assert "1-2号楼网格的居民您好" in samples and "3-6号楼网格的居民您好" in samples
        whole = await client.post("/broadcasts/preview", data=asked)
        assert samples.strip() in await whole.text()
        assert "{{ node.name }}的居民您好</textarea>" in await whole.text()
        broken = await client.post(
            "/broadcasts/preview", data={**asked, "text": "{{ nobody.name }}"}
        )
        assert "模板错误：未知变量 nobody" in await broken.text()


async def test_a_group_named_script_is_shown_as_text_in_the_preview(
    factory: Factory, tmp_path: Path
) -> None:
    clock = FakeClock()
    async with session_scope(factory) as session:
        grid = await node_by_code(session, "PG-01-001-01")
        assert grid is not None
        group = (await session.scalars(select(Group).where(Group.node_id == grid.id))).one()
        group.title = "<script>alert(1)</script>"
    community = await node_id(factory, "PG-01-001")
    async with console_client(factory, clock, desk_settings(tmp_path)) as client:
        csrf = await log_in(client, factory, clock, "C0001")
        shown = await client.post(
            "/broadcasts/preview",
            data={"_csrf": csrf, "node_id": str(community), "text": "{{ group.name }}：开会"},
            headers={"X-Requested-With": "fetch"},
        )
        html = await shown.text()
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;：开会" in html


async def test_sending_now_to_one_community_reaches_exactly_its_groups_and_wakes_the_engine(
    factory: Factory, tmp_path: Path
) -> None:
    clock, hooks = FakeClock(), RecordedHooks()
    community = await node_id(factory, "PG-01-001")
    async with console_client(factory, clock, desk_settings(tmp_path), hooks=hooks) as client:
        csrf = await log_in(client, factory, clock, "T0001")
        sent = await client.post(
            "/broadcasts",
            data={"_csrf": csrf, "node_id": str(community), "text": "明早停水", "when": "now"},
        )
        number = created_number(sent)
        assert "明早停水" in await sent.text() and "共 2 个群" in await sent.text()
    assert await delivery_codes(factory, number) == ["PG-01-001-01", "PG-01-001-02"]
    assert hooks.calls == [("sent", number, None)]


async def test_scheduling_for_tomorrow_morning_in_district_time_adds_a_date_job(
    factory: Factory, tmp_path: Path
) -> None:
    clock, hooks = FakeClock(), RecordedHooks()  # 2026-11-24 17:00 in Beijing
    community = await node_id(factory, "PG-01-001")
    form = {"node_id": str(community), "text": "明天上午开会", "when": "later"}
    async with console_client(factory, clock, desk_settings(tmp_path), hooks=hooks) as client:
        csrf = await log_in(client, factory, clock, "C0001")
        past = await client.post(
            "/broadcasts", data={"_csrf": csrf, **form, "send_at": "2026-11-24T08:00"}
        )
        assert past.status == 422 and "这个时间已经过去了" in await past.text()
        assert hooks.calls == []
        scheduled = await client.post(
            "/broadcasts", data={"_csrf": csrf, **form, "send_at": "2026-11-25T09:00"}
        )
        number = created_number(scheduled)
        assert "<dt>定时发送</dt><dd>北京时间 11-25 09:00</dd>" in await scheduled.text()
    nine_in_beijing = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
    assert hooks.calls == [("scheduled", number, nine_in_beijing)]
    async with factory() as session:
        broadcast = await session.get(Broadcast, number)
    assert broadcast is not None and broadcast.scheduled_at is not None
    assert broadcast.scheduled_at.replace(tzinfo=UTC) == nine_in_beijing


async def test_a_community_admin_may_not_target_another_community(
    factory: Factory, tmp_path: Path
) -> None:
    clock, hooks = FakeClock(), RecordedHooks()
    other = await node_id(factory, "PG-01-002")
    async with console_client(factory, clock, desk_settings(tmp_path), hooks=hooks) as client:
        csrf = await log_in(client, factory, clock, "C0001")
        picker = await client.get("/broadcasts/new?node=PG-01-002")
        assert picker.status == 403 and "PG-01-002 不在您负责的范围内" in await picker.text()
        form = {"_csrf": csrf, "node_id": str(other), "text": "越界通知"}
        assert (await client.post("/broadcasts", data=form)).status == 403
        assert (await client.post("/broadcasts/preview", data=form)).status == 403
    assert hooks.calls == []
    async with factory() as session:
        assert (await session.scalars(select(Broadcast))).all() == []


async def test_a_photo_that_is_not_an_image_and_a_poll_with_a_photo_are_refused_in_chinese(
    factory: Factory, tmp_path: Path
) -> None:
    clock = FakeClock()
    community = await node_id(factory, "PG-01-001")
    async with console_client(factory, clock, desk_settings(tmp_path)) as client:
        csrf = await log_in(client, factory, clock, "C0001")
        for options, words in (("", "notes.txt 不是图片"), ("满意\n不满意", "投票不能带图片")):
            form = FormData()
            for name, value in (("_csrf", csrf), ("node_id", str(community))):
                form.add_field(name, value)
            form.add_field("text", "看图")
            form.add_field("options", options)
            form.add_field("photo", b"plain words", filename="notes.txt")
            refused = await client.post("/broadcasts", data=form)
            assert refused.status == 422 and words in await refused.text()
        png = FormData()
        for name, value in (("_csrf", csrf), ("node_id", str(community)), ("text", "看图")):
            png.add_field(name, value)
        png.add_field("photo", b"\x89PNG\r\n\x1a\n" + b"\0" * 32, filename="map.png")
        number = created_number(await client.post("/broadcasts", data=png))
    async with factory() as session:
        broadcast = await session.get(Broadcast, number)
    assert broadcast is not None and broadcast.photo is not None
    assert Path(broadcast.photo).parent == (tmp_path / "uploads").resolve()


async def test_in_the_bots_process_a_scheduled_broadcast_gets_its_date_job_until_cancelled(
    factory: Factory, tmp_path: Path
) -> None:
    """`run --console`: the bot's own date jobs (bot/broadcast_jobs.py) and engine wake-up."""
    clock, wakes = FakeClock(), []
    scheduler = AsyncIOScheduler(timezone="UTC")
    jobs = ScheduledSends(scheduler, lambda: wakes.append("wake"))
    hooks = BotBroadcastHooks(lambda: wakes.append("wake"), jobs)
    community = await node_id(factory, "PG-01-001")
    async with console_client(factory, clock, desk_settings(tmp_path), hooks=hooks) as client:
        csrf = await log_in(client, factory, clock, "C0001")
        form = {"_csrf": csrf, "node_id": str(community), "text": "周五检查消防通道"}
        later = {**form, "when": "later", "send_at": "2026-11-27T08:30"}
        number = created_number(await client.post("/broadcasts", data=later))
        job = scheduler.get_job(ScheduledSends.job_id(number))
        assert job is not None and job.trigger.run_date == datetime(
            2026, 11, 27, 0, 30, tzinfo=UTC
        )
        assert wakes == []
        await client.post(f"/broadcasts/{number}/cancel", data={"_csrf": csrf})
        assert scheduler.get_job(ScheduledSends.job_id(number)) is None
        assert wakes == ["wake"]
        created_number(await client.post("/broadcasts", data={**form, "when": "now"}))
        assert wakes == ["wake", "wake"]


async def test_a_poll_and_a_read_button_broadcast_show_their_roll_ups_per_child(
    factory: Factory, tmp_path: Path
) -> None:
    clock = FakeClock()
    town = await node_id(factory, "PG-01")
    async with console_client(factory, clock, desk_settings(tmp_path)) as client:
        csrf = await log_in(client, factory, clock, "T0001")
        form = {"_csrf": csrf, "node_id": str(town), "when": "now"}
        poll = await client.post(
            "/broadcasts", data={**form, "text": "对物业满意吗？", "options": "满意\n不满意"}
        )
        created_number(poll)
        html = await poll.text()
        assert "投票结果（按下级）" in html and '<th scope="col">不满意</th>' in html
        assert "府前社区" in html and "已阅情况" not in html
        read = await client.post("/broadcasts", data={**form, "text": "请阅", "read": "1"})
        created_number(read)
        assert "已阅情况（按下级）" in await read.text() and "投票结果" not in await read.text()
        unsigned = await client.post("/broadcasts", data={**form, "_csrf": "", "text": "无签名"})
        assert unsigned.status == 403 and "安全校验未通过" in await unsigned.text()
    async with factory() as session:
        texts = (await session.scalars(select(Broadcast.text).order_by(col(Broadcast.id)))).all()
        entries = (await session.scalars(select(AuditEntry).order_by(col(AuditEntry.id)))).all()
    assert texts == ["对物业满意吗？", "请阅"]
    made = [(e.command, e.outcome) for e in entries if e.command == "console:broadcast"]
    assert made == [("console:broadcast", "ok"), ("console:broadcast", "ok")]
