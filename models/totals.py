"""Daily totals: the ticket and work-log counts of every subtree, per local day, kept as rows.

Why: `/stats` over the whole history read every ticket, event, delivery and log (6–8 s on
PostgreSQL with 1,000,000 tickets). Summing one row per child node and day instead takes
milliseconds, whatever the period.

What is kept (tables `daily_total`, `monthly_timing`, `total_zone`):
- `daily_total`: one row per (node, local day) where the node is *every node on the lineage* of
  the ticket's node (its grid, community, town and the district), so a node's row is its whole
  subtree's total and a report reads one row per child and day. The day is the district-time
  day the ticket was opened (figures count tickets opened in the period, in their state now).
  One integer column per counted value: `category_*`, `status_*`, `rating_*`, `escalated_*`
  (escalation events by the level of the node reached, for tickets with escalation_level > 0)
  and `work_*` (work-log entries by kind, on the day they were written).
- `monthly_timing`: how many tickets opened in a local month took how long to be claimed and to
  be resolved, counted in fixed log-scale buckets (`BOUNDS`, each 2^¼ ≈ 1.19 times the last),
  per subtree node. Long periods estimate the median and 90th percentile from it (see
  stats/timing.py for the bound); short periods are still exact, from the tickets.
- `daily_timing`: the same buckets by local day, for the top DAILY_TIMING_DEPTH nodes of each
  lineage only (the district and its towns). A long period's days outside whole months (its
  "edges") are read from it when the report is of the district, whose edges hold tens of
  thousands of tickets; a town's or community's edges are read from their own tickets (a few
  thousand at most), so the many small nodes below keep no daily rows.
- `total_zone`: the time zone the days are counted in. The rows are only trusted while it is
  the configured zone; otherwise the figures are recounted from the rows (exact, slow) until
  `gridbot stats rebuild-totals` counts everything again in the new zone.

How they stay right: every ticket change runs inside `models.totals_write.counting` (or calls
`count_opened` for a new ticket), which reads the ticket's contribution before and after the
change, locking the ticket row, and adds the difference in the same transaction. A rebuild
(`models.totals_rebuild`) recounts everything from scratch, idempotently. Each change updates
its district's row for the day, so changes wait for each other there until they commit; the bot
handles one update at a time anyway, and a deadlock (two tickets of different days changed in
opposite orders) is retried like any other transient error.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

from sqlalchemy import Column, Date, Index, Integer, String, Table, text
from sqlmodel import SQLModel

from core.vocabulary import Category, Level, Rating, TicketStatus, WorkKind

CATEGORY, STATUS, RATING, ESCALATED, WORK = "category", "status", "rating", "escalated", "work"
CLAIM, RESOLVE = "claim", "resolve"
DEFAULT_ZONE = "Asia/Shanghai"  # [tickets] timezone's default: a new database counts in it


def column_name(kind: str, value: str) -> str:
    return f"{kind}_{value}"


COUNTED: tuple[tuple[str, Sequence[str]], ...] = (
    (CATEGORY, [c.value for c in Category]),
    (STATUS, [s.value for s in TicketStatus]),
    (RATING, [r.value for r in Rating]),
    (ESCALATED, [lv.value for lv in Level]),
    (WORK, [k.value for k in WorkKind]),
)
COUNT_COLUMNS: tuple[str, ...] = tuple(
    column_name(kind, value) for kind, values in COUNTED for value in values
)

daily_total = Table(
    "daily_total",
    SQLModel.metadata,
    Column("node_id", Integer, primary_key=True),
    Column("day", Date, primary_key=True),
    *(Column(name, Integer, nullable=False, server_default=text("0")) for name in COUNT_COLUMNS),
)


def timing_table(name: str, period: str) -> Table:
    """Claim and resolve times in buckets per node and `period` (a Date column), with a
    covering index so that sums over a period read the index alone (0017_timing_sum_indexes,
    PostgreSQL)."""
    table = Table(
        name,
        SQLModel.metadata,
        Column("node_id", Integer, primary_key=True),
        Column(period, Date, primary_key=True),
        Column("measure", String(8), primary_key=True),  # claim | resolve
        Column("bucket", Integer, primary_key=True),
        Column("total", Integer, nullable=False),
    )
    Index(
        f"ix_{name}_sums",
        table.c.node_id,
        table.c[period],
        postgresql_include=["measure", "bucket", "total"],
    ).ddl_if(dialect="postgresql")
    return table


monthly_timing = timing_table("monthly_timing", "month")  # month: its first local day
# Nodes at lineage positions below this keep no daily_timing rows (position 0: the district).
DAILY_TIMING_DEPTH = 2
daily_timing = timing_table("daily_timing", "day")  # day: the local day the tickets were opened

total_zone = Table(
    "total_zone",
    SQLModel.metadata,
    Column("id", Integer, primary_key=True),  # always 1: one zone for all the rows
    Column("zone", String(64), nullable=False),
)

# Bucket b holds seconds in [BOUNDS[b-1], BOUNDS[b]); bucket 0 is under a second, the last one
# is everything from BOUNDS[-1] (about 1.8 years) on. Whole seconds, so SQL and Python agree.
BOUNDS: tuple[int, ...] = tuple(sorted({round(2 ** (i / 4)) for i in range(4 * 26)}))


def bucket_of(seconds: float) -> int:
    return bisect_right(BOUNDS, seconds)


def bucket_range(bucket: int) -> tuple[float, float | None]:
    """[low, high) of a bucket in seconds; high None for the last, open-ended one."""
    low = 0.0 if bucket == 0 else float(BOUNDS[bucket - 1])
    return low, float(BOUNDS[bucket]) if bucket < len(BOUNDS) else None


def bucket_estimate(bucket: int) -> float:
    """The time a bucket stands for: its geometric middle (half a second for the first)."""
    low, high = bucket_range(bucket)
    if high is None:
        return low
    return high / 2 if low == 0 else (low * high) ** 0.5
