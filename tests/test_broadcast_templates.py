"""Per-group broadcast templates: checked at creation, rendered per group by the engine."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from broadcasts import BroadcastError, create_broadcast, preview
from broadcasts.personalize import check_template, compile_template, is_template
from models.broadcasts import Broadcast, BroadcastDelivery, DeliveryStatus
from models.groups import Group
from models.people import Person, Role, RoleKind
from models.tree import Node
from tests.support.broadcasts import FakeSender, seed_district
from tests.test_broadcast_engine import deliveries, engine_for, new_broadcast, node_id

Factory = async_sessionmaker[AsyncSession]
TEMPLATE = (
    "{{ group.name }}的居民：请联系网格员{{ worker.name }}（{{ node.path }}，{{ node.code }}）"
)


# --- checking a template, no database -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("请{{ worker.nam }}注意", "模板错误：未知变量 worker.nam"),
        ("{{ resident.name }}您好", "模板错误：未知变量 resident"),
        ("{{ node['level'] }}", "模板错误：未知变量 node.level"),
        ("{{ node }}", "模板错误：变量 node 需要写明字段，例如 node.name"),
        ("第一行\n{{ group.name ", "模板错误：第 2 行，"),
        ("{% if %}x{% endif %}", "模板错误：第 1 行，"),
        ("{{ group.name | shout }}", "模板错误："),
        ("{{ node.name + 1 }}", "模板错误："),
    ],
)
async def test_a_bad_template_is_refused_naming_the_problem(text: str, problem: str) -> None:
    with pytest.raises(BroadcastError) as refused:
        await check_template(text)
    assert str(refused.value).startswith(problem)


def test_only_jinja_markers_make_a_template() -> None:
    assert is_template("{{ group.name }}") and is_template("{% if 1 %}x{% endif %}")
    assert not is_template("温度 {25} 度，{ {group} }")
    template = compile_template("{% if worker.name != '网格员' %}{{ worker.name }}{% endif %}")
    assert template.render(worker={"name": "张三"}) == "张三"


# --- rendering per group, on both backends -------------------------------------------------


async def seed_with_staff(factory: Factory) -> list[tuple[int, int, str]]:
    """Six grids with their staff, a second worker on the first grid, a town hall group."""
    async with factory() as session:
        groups = await seed_district(session, 6)
        first = await session.scalar(select(Node).where(col(Node.code) == "PG-01-001-01"))
        town = await session.scalar(select(Node).where(col(Node.code) == "PG-02"))
        assert first is not None and first.id is not None and town is not None
        extra = Person(name="阿依古丽", key="W9999")
        session.add(extra)
        await session.flush()
        assert extra.id is not None
        session.add(Role(person_id=extra.id, node_id=first.id, kind=RoleKind.grid_worker))
        session.add(Group(chat_id=-4_199_000_001, title="兴谷街道办事处群", node_id=town.id))
        await session.commit()
    return groups


async def expected_text(session: AsyncSession, group_id: int) -> str:
    """The template's variables for one group, looked up the plain way."""
    group = await session.get(Group, group_id)
    assert group is not None and group.node_id is not None
    node = await session.get(Node, group.node_id)
    assert node is not None
    path: list[Node] = []
    parent: Node | None = node
    while parent is not None:
        path.insert(0, parent)
        parent = await session.get(Node, parent.parent_id) if parent.parent_id else None
    workers = list(
        await session.scalars(
            select(col(Person.name))
            .join(Role, col(Role.person_id) == col(Person.id))
            .where(col(Role.node_id) == node.id, col(Role.kind) == RoleKind.grid_worker)
            .order_by(col(Person.name))
        )
    )
    names = "、".join(workers) or "网格员"
    where = " › ".join(n.name for n in path)
    return f"{group.title}的居民：请联系网格员{names}（{where}，{node.code}）"


async def test_each_group_gets_its_own_text(session_factory: Factory) -> None:
    await seed_with_staff(session_factory)
    broadcast_id = await new_broadcast(session_factory, text=TEMPLATE)
    sender = FakeSender()
    [report] = await engine_for(session_factory, sender, batch_size=3).run_until_idle()
    assert report.counts.delivered == 7
    rows = await deliveries(session_factory, broadcast_id)
    async with session_factory() as session:
        stored = await session.get(Broadcast, broadcast_id)
        assert stored is not None and stored.templated
        for row in rows:
            [message] = sender.messages(row.chat_id or 0)
            assert message.text == await expected_text(session, row.group_id)
    texts = {m.text for ms in sender.sent.values() for m in ms}
    assert any("郭志强、阿依古丽" in (t or "") or "阿依古丽、郭志强" in (t or "") for t in texts)
    assert any((t or "").startswith("兴谷街道办事处群的居民：请联系网格员网格员") for t in texts)


async def test_a_bad_template_writes_nothing(session_factory: Factory) -> None:
    await seed_with_staff(session_factory)
    root = await node_id(session_factory, "PG")
    async with session_factory() as session:
        with pytest.raises(BroadcastError, match=r"未知变量 worker\.nam"):
            await create_broadcast(session, node_id=root, text="请{{ worker.nam }}注意")
        await session.commit()
        assert await session.scalar(select(col(Broadcast.id))) is None
        assert await session.scalar(select(col(BroadcastDelivery.id))) is None


async def test_preview_shows_the_first_target_group(session_factory: Factory) -> None:
    groups = await seed_with_staff(session_factory)
    first_group = groups[0][0]
    async with session_factory() as session:
        town = await node_id(session_factory, "PG-01")
        shown = await preview(session, TEMPLATE, town)
        assert shown == await expected_text(session, first_group)
        assert await preview(session, "没有变量的通知", town) == "没有变量的通知"
        with pytest.raises(BroadcastError, match=r"未知变量 group\.title"):
            await preview(session, "{{ group.title }}", town)


async def test_a_long_template_is_split_per_group(session_factory: Factory) -> None:
    await seed_with_staff(session_factory)
    text = "{{ group.name }}\n\n" + "请各户检查燃气阀门。" * 500
    broadcast_id = await new_broadcast(session_factory, code="PG-01-001", text=text)
    sender = FakeSender()
    await engine_for(session_factory, sender).run_until_idle()
    rows = await deliveries(session_factory, broadcast_id)
    assert [r.status for r in rows] == [DeliveryStatus.delivered] * 2
    for row in rows:
        parts = sender.messages(row.chat_id or 0)
        assert len(parts) == 2 and all(len(p.text or "") <= 4096 for p in parts)
        title = await group_title(session_factory, row.group_id)
        assert (parts[0].text or "").startswith(title)


async def group_title(factory: Factory, group_id: int) -> str:
    async with factory() as session:
        group = await session.get(Group, group_id)
    assert group is not None
    return group.title


async def test_contexts_are_loaded_per_batch_not_per_group(session_factory: Factory) -> None:
    await seed_district_of(session_factory, grids=24)
    await new_broadcast(session_factory, text="{{ worker.name }}：请核对{{ group.name }}的名单")
    lookups: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if "JOIN person" in statement:  # the grid workers' names
            lookups.append(statement)

    engine = session_factory.kw["bind"].sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        [report] = await engine_for(session_factory, FakeSender(), batch_size=8).run_until_idle()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert report.counts.delivered == 24
    assert len(lookups) == 3  # 24 groups in batches of 8


async def seed_district_of(factory: Factory, grids: int) -> None:
    async with factory() as session:
        await seed_district(session, grids)
        await session.commit()
