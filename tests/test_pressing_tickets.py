"""The 总览's pressing tickets (stats.overview.pressing_tickets) on SQLite and PostgreSQL:
overdue and urgent first, then overdue, then urgent, oldest first within each; the count of
all of them; only open tickets of the node's subtree; the open-ticket index's predicate."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import FakeClock
from core.db import session_scope
from core.vocabulary import OPEN_STATUSES, Priority, TicketStatus
from models.groups import Group
from models.tickets import OPEN_TICKET, OPEN_TICKET_STATUSES
from models.tree_service import node_by_code
from stats.overview import pressing_tickets
from tests.support.console import GRID, small_district
from tests.test_ticket_board import place

Factory = async_sessionmaker[AsyncSession]
SECOND = "PG-01-001-02"
FAR = "PG-02-001-01"


async def test_the_index_predicate_names_exactly_the_open_statuses() -> None:
    assert set(OPEN_TICKET_STATUSES) == {status.value for status in OPEN_STATUSES}
    assert str(OPEN_TICKET) == "status IN ('new', 'claimed', 'reopened')"


async def test_a_town_sees_its_overdue_urgent_first_then_overdue_then_urgent_oldest_first(
    session_factory: Factory,
) -> None:
    await small_district(session_factory)
    clock = FakeClock()
    now, hour = clock.now(), timedelta(hours=1)
    async with session_scope(session_factory) as s:
        grid = await node_by_code(s, GRID)
        assert grid is not None
        s.add(Group(chat_id=-100777, title="府前一网格群", node_id=grid.id))
        await s.flush()
        urgent, due = Priority.URGENT, now - hour
        ids = {
            "urgent_new": await place(s, GRID, "a", now - 1 * hour, priority=urgent),
            "urgent_old": await place(s, SECOND, "b", now - 9 * hour, priority=urgent),
            "late_new": await place(s, GRID, "c", now - 5 * hour, claim_due=due),
            "late_old": await place(s, SECOND, "d", now - 30 * hour, claim_due=due),
            "late_urgent": await place(
                s, GRID, "e", now - 2 * hour, priority=urgent, claim_due=due
            ),
            "claimed_late": await place(
                s, GRID, "f", now - 3 * hour, status=TicketStatus.claimed, resolve_due=due
            ),
        }
        # not pressing: in time, resolved, or in another town
        await place(s, GRID, "g", now - 4 * hour, claim_due=now + hour)
        done = TicketStatus.resolved
        await place(s, GRID, "h", now - 40 * hour, status=done, priority=urgent)
        await place(s, FAR, "i", now - 50 * hour, priority=urgent)
    async with session_factory() as s:
        town = await node_by_code(s, "PG-01")
        assert town is not None
        shown, total = await pressing_tickets(s, town, now, shown=10)
        first_two, same_total = await pressing_tickets(s, town, now, shown=2)
    order = ["late_urgent", "late_old", "late_new", "claimed_late", "urgent_old", "urgent_new"]
    assert [p.ticket.id for p in shown] == [ids[name] for name in order]
    assert [(p.overdue, p.urgent) for p in shown] == [(True, True)] + [(True, False)] * 3 + [
        (False, True)
    ] * 2
    assert total == same_total == 6
    assert [p.ticket.id for p in first_two] == [ids["late_urgent"], ids["late_old"]]
