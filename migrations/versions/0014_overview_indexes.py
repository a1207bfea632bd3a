"""ticket indexes for the 总览: the open tickets alone, oldest first, with what the pressing list
filters on (scope, priority, deadlines); and the tickets by opening time with the times the
figures' percentiles read (PostgreSQL only), so that neither reads table rows

Revision ID: 0014_overview_indexes
Revises: 0013_console_logins
Create Date: 2026-12-05

A partial index: open tickets are a small, changing share of all of them (a quarter of a
million of a million in bench/console.py's district). PostgreSQL answers the count from the
index alone (INCLUDE); SQLite keeps the partial index without the included columns. The timing
index serves stats.figures.exact_timings and stats.timing.edge_buckets with index-only scans
(47 MB for a million tickets); SQLite has no INCLUDE and keeps reading ix_ticket_created_at.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_overview_indexes"
down_revision: str | None = "0013_console_logins"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "ix_ticket_open"
OPEN = sa.text("status IN ('new', 'claimed', 'reopened')")
TIMING = "ix_ticket_created_timing"
TIMING_INCLUDED = ["node_id", "claimed_at", "resolved_at"]
INCLUDED = ["node_id", "handling_node_id", "priority", "status", "claim_due_at", "resolve_due_at"]


def upgrade() -> None:
    op.create_index(
        NAME,
        "ticket",
        ["created_at", "id"],
        unique=False,
        postgresql_include=INCLUDED,
        postgresql_where=OPEN,
        sqlite_where=OPEN,
    )
    if op.get_bind().dialect.name == "postgresql":
        op.create_index(
            TIMING, "ticket", ["created_at"], unique=False, postgresql_include=TIMING_INCLUDED
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index(TIMING, table_name="ticket")
    op.drop_index(NAME, table_name="ticket")
