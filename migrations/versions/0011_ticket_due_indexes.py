"""ticket indexes: urgent and overdue open tickets found without reading every ticket

Revision ID: 0011_ticket_due_indexes
Revises: 0010_daily_totals
Create Date: 2026-12-05
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011_ticket_due_indexes"
down_revision: str | None = "0010_daily_totals"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("priority", "claim_due_at", "resolve_due_at")


def upgrade() -> None:
    # The console's pressing tickets (urgent, or past a deadline) and the sweep's overdue
    # query select by these; both read every ticket without them.
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.create_index(batch_op.f(f"ix_ticket_{column}"), [column], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.drop_index(batch_op.f(f"ix_ticket_{column}"))
