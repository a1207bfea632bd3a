"""daily timing buckets for the district and its towns (models/totals.py `daily_timing`)

Revision ID: 0015_daily_timing
Revises: 0014_overview_indexes
Create Date: 2026-12-05

The rows are derived. On a database whose totals are already counted they would be missing,
so there the zone the totals count in is cleared: the figures are recounted from the rows
until `gridbot db upgrade` (which this upgrade is part of) runs `gridbot stats
rebuild-totals`, which counts the new rows with the rest.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_daily_timing"
down_revision: str | None = "0014_overview_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "daily_timing",
        sa.Column("node_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("measure", sa.String(length=8), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("node_id", "day", "measure", "bucket"),
    )
    held = op.get_bind().execute(sa.text("SELECT COUNT(*) FROM monthly_timing"))
    if held.scalar_one():
        op.execute("DELETE FROM total_zone")


def downgrade() -> None:
    op.drop_table("daily_timing")
