"""Who may act on which node (models/access.py): the rules on plain objects, then the Actor
loaded from the database (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.access import ADMINS, STAFF, WORKERS, Actor, Audience, Held, Refused, load_actor
from models.people import Person, RoleKind
from models.tree import Level, Node


def node(id_: int, code: str, level: Level, lineage: str) -> Node:
    return Node(id=id_, code=code, name=code, level=level, lineage=lineage)


# 平谷区 /1/ → 滨河街道 /1/2/ → 府前社区 /1/2/3/ (grids /1/2/3/4/, /1/2/3/5/)
#                          → 承平里社区 /1/2/6/ (grid /1/2/6/7/); 兴谷街道 /1/8/ → /1/8/9/10/
DISTRICT = node(1, "PG", Level.district, "/1/")
TOWN = node(2, "PG-01", Level.town, "/1/2/")
COMMUNITY = node(3, "PG-01-001", Level.community, "/1/2/3/")
GRID1 = node(4, "PG-01-001-01", Level.grid, "/1/2/3/4/")
GRID2 = node(5, "PG-01-001-02", Level.grid, "/1/2/3/5/")
OTHER_COMMUNITY = node(6, "PG-01-002", Level.community, "/1/2/6/")
OTHER_COMMUNITY_GRID = node(7, "PG-01-002-01", Level.grid, "/1/2/6/7/")
OTHER_TOWN_GRID = node(10, "PG-02-001-01", Level.grid, "/1/8/9/10/")
EVERY_GRID = (GRID1, GRID2, OTHER_COMMUNITY_GRID, OTHER_TOWN_GRID)


def actor(*held: tuple[RoleKind, Node]) -> Actor:
    return Actor(42, Person(id=1, name="某人"), tuple(Held(kind, node) for kind, node in held))


def covered(who: Actor, kinds: frozenset[RoleKind] = STAFF) -> list[str]:
    return [grid.code for grid in EVERY_GRID if who.covers(grid, kinds)]


def test_a_community_admin_covers_the_grids_of_their_community_only() -> None:
    admin = actor((RoleKind.community_admin, COMMUNITY))
    assert covered(admin) == ["PG-01-001-01", "PG-01-001-02"]
    assert admin.covers(COMMUNITY) and not admin.covers(TOWN)
    assert not admin.covers(OTHER_COMMUNITY)


def test_a_grid_worker_covers_their_grid_only() -> None:
    worker = actor((RoleKind.grid_worker, GRID1))
    assert covered(worker) == ["PG-01-001-01"]
    assert not worker.covers(COMMUNITY)
    assert covered(worker, ADMINS) == []  # covering is per kind of role


def test_a_district_official_covers_the_whole_district() -> None:
    official = actor((RoleKind.district_official, DISTRICT))
    assert covered(official) == [grid.code for grid in EVERY_GRID]
    assert official.covers(DISTRICT) and official.covers(TOWN)


def test_residents_and_strangers_cover_nothing() -> None:
    resident = actor((RoleKind.resident, GRID1))
    assert covered(resident) == [] and not resident.is_staff
    assert covered(Actor(42)) == [] and not Actor(None).is_staff
    lineage_sibling = node(40, "PG-01-001-40", Level.grid, "/1/2/3/40/")
    assert not actor((RoleKind.grid_worker, GRID1)).covers(lineage_sibling)  # /4/ is not /40/


def test_require_names_the_reason_and_hands_back_the_person_or_node() -> None:
    worker = actor((RoleKind.grid_worker, GRID1))
    assert worker.require().name == "某人"
    assert worker.require(WORKERS, "not_worker") is worker.person
    with pytest.raises(Refused) as refused:
        worker.require(ADMINS, "not_opener")
    assert (refused.value.reason, refused.value.fields) == ("not_opener", {})
    with pytest.raises(Refused) as refused:
        actor((RoleKind.resident, GRID1)).require()
    assert refused.value.reason == "not_staff"
    assert worker.require_node(GRID1) is GRID1
    with pytest.raises(Refused) as refused:
        worker.require_node(GRID2, code=GRID2.code)
    assert (refused.value.reason, refused.value.fields) == ("scope", {"code": "PG-01-001-02"})
    with pytest.raises(Refused) as refused:
        worker.require_node(None, reason="forbidden", number=7)
    assert (refused.value.reason, refused.value.fields) == ("forbidden", {"number": 7})


def test_nodes_are_listed_top_first_once_each_by_kind() -> None:
    both = actor(
        (RoleKind.grid_worker, GRID2),
        (RoleKind.grid_worker, GRID1),
        (RoleKind.community_admin, COMMUNITY),
        (RoleKind.resident, GRID2),
    )
    assert [n.code for n in both.nodes()] == ["PG-01-001", "PG-01-001-01", "PG-01-001-02"]
    assert [n.code for n in both.nodes(WORKERS)] == ["PG-01-001-01", "PG-01-001-02"]
    assert [n.code for n in both.nodes(ADMINS)] == ["PG-01-001"]
    assert both.kinds_covering(GRID2) == {
        RoleKind.grid_worker,
        RoleKind.community_admin,
        RoleKind.resident,
    }


def test_the_help_audience_is_the_highest_role_held() -> None:
    assert Actor(42).audience is Audience.resident
    assert actor((RoleKind.grid_worker, GRID1)).audience is Audience.worker
    town_admin = actor((RoleKind.grid_worker, GRID1), (RoleKind.town_admin, TOWN))
    assert town_admin.audience is Audience.admin
    assert actor((RoleKind.district_official, DISTRICT)).audience is Audience.official


async def test_the_actor_is_loaded_with_every_role_in_one_go(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    from tests.test_ticket_workflow import COMMUNITY1, RESIDENT, W1, build_world

    world = await build_world(session_factory)
    async with world.session() as s:
        s.add(Person(name="王大妈", telegram_user_id=RESIDENT))
    async with world.session() as s:
        worker = await load_actor(s, W1)
        admin = await load_actor(s, COMMUNITY1)
        resident = await load_actor(s, RESIDENT)
        stranger = await load_actor(s, 1)
    assert worker.person is not None and worker.person.key == "W0001"
    assert [(h.kind, h.node.code) for h in worker.held] == [(RoleKind.grid_worker, "PG-01-001-01")]
    assert [n.code for n in admin.nodes(ADMINS)] == ["PG-01-001"]
    assert admin.covers(worker.held[0].node) and not worker.covers(admin.held[0].node)
    assert resident.person is not None and resident.held == () and not resident.is_staff
    assert (stranger.user_id, stranger.person, stranger.held) == (1, None, ())


def test_every_handler_that_can_refuse_names_a_template_that_exists() -> None:
    from handlers import get_routers
    from handlers.access import REFUSALS
    from templates import TEMPLATE_DIR

    named = set()
    for router in get_routers():
        for observer in (router.message, router.callback_query):
            named |= {h.flags[REFUSALS] for h in observer.handlers if REFUSALS in h.flags}
    assert {"work_refused", "ticket_refused", "broadcast_refused", "stats_refused"} <= named
    assert [name for name in named if not (TEMPLATE_DIR / f"{name}.j2").exists()] == []
