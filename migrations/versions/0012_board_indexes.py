"""ticket board: the time of each ticket's latest event, an index for every sort of the board,
and a trigram index for its text search (PostgreSQL only)

Revision ID: 0012_board_indexes
Revises: 0010_daily_totals
Create Date: 2026-12-05

`updated_at` is filled from the ticket's events (its opening time when it has none). pg_trgm
serves `text ILIKE '%…%'` (Chinese included) from a GIN index; SQLite has neither and scans.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_board_indexes"
down_revision: str | None = "0011_ticket_due_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_ticket_created_id": ["created_at", "id"],
    "ix_ticket_updated_id": ["updated_at", "id"],
    "ix_ticket_priority_created": ["priority", "created_at", "id"],
    "ix_ticket_node_created": ["node_id", "created_at", "id"],
}
TRIGRAM_INDEX = "ix_ticket_text_trgm"


def upgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE ticket SET updated_at = COALESCE("
        "(SELECT MAX(e.at) FROM ticket_event e WHERE e.ticket_id = ticket.id), created_at)"
    )
    for name, columns in INDEXES.items():
        op.create_index(name, "ticket", columns, unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(f"CREATE INDEX {TRIGRAM_INDEX} ON ticket USING gin (text gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")
    for name in INDEXES:
        op.drop_index(name, table_name="ticket")
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_column("updated_at")
