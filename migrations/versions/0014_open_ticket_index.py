"""ticket index: the open tickets alone, oldest first, with what the 总览's pressing list
filters on (scope, priority, deadlines), so counting and listing them reads no table row

Revision ID: 0014_open_ticket_index
Revises: 0013_console_logins
Create Date: 2026-12-05

A partial index: open tickets are a small, changing share of all of them (a quarter of a
million of a million in bench/console.py's district). PostgreSQL answers the count from the
index alone (INCLUDE); SQLite keeps the partial index without the included columns.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_open_ticket_index"
down_revision: str | None = "0013_console_logins"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "ix_ticket_open"
OPEN = sa.text("status IN ('new', 'claimed', 'reopened')")
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


def downgrade() -> None:
    op.drop_index(NAME, table_name="ticket")
