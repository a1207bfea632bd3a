"""daily totals: per-subtree ticket and work-log counts by local day, timings by month, and
finished broadcasts' figures

Revision ID: 0010_daily_totals
Revises: 0008
Create Date: 2026-12-05

The rows are derived (models/totals.py). On an empty database the empty totals are already
right, so the zone they count in is recorded at once; on a database that holds tickets or
work-log entries it is left unset, the figures are recounted from the rows (exact, slow) and
`gridbot db upgrade` then runs `gridbot stats rebuild-totals` to count them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_daily_totals"
down_revision: str | None = "0008"  # 0008_reviews_marks.py
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# One column per counted value, as models/totals.COUNT_COLUMNS had them at this revision.
COUNT_COLUMNS = (
    "category_missing_person",
    "category_safety",
    "category_repair",
    "category_environment",
    "category_dispute",
    "category_assistance",
    "category_other",
    "category_none",
    "status_new",
    "status_claimed",
    "status_reopened",
    "status_resolved",
    "status_closed",
    "rating_satisfied",
    "rating_basically_satisfied",
    "rating_unsatisfied",
    "escalated_district",
    "escalated_town",
    "escalated_community",
    "escalated_grid",
    "escalated_micro_grid",
    "work_visit",
    "work_hazard",
    "work_service",
    "work_mediation",
    "work_info",
)


def upgrade() -> None:
    op.create_table(
        "daily_total",
        sa.Column("node_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        *(
            sa.Column(name, sa.Integer(), server_default=sa.text("0"), nullable=False)
            for name in COUNT_COLUMNS
        ),
        sa.PrimaryKeyConstraint("node_id", "day"),
    )
    op.create_table(
        "monthly_timing",
        sa.Column("node_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("measure", sa.String(length=8), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("node_id", "month", "measure", "bucket"),
    )
    op.create_table(
        "broadcast_total",
        sa.Column("node_id", sa.Integer(), nullable=False),
        sa.Column("broadcast_id", sa.Integer(), nullable=False),
        sa.Column("copies", sa.Integer(), nullable=False),
        sa.Column("delivered", sa.Integer(), nullable=False),
        sa.Column("read_offered", sa.Integer(), nullable=False),
        sa.Column("read", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("node_id", "broadcast_id"),
    )
    op.create_index(
        "ix_broadcast_total_figures",
        "broadcast_total",
        ["node_id", "broadcast_id"],
        postgresql_include=["copies", "delivered", "read_offered", "read"],
    )
    op.create_table(
        "broadcast_counted",
        sa.Column("broadcast_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("broadcast_id"),
    )
    zone = op.create_table(
        "total_zone",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    held = op.get_bind().execute(
        sa.text("SELECT (SELECT COUNT(*) FROM ticket) + (SELECT COUNT(*) FROM work_log)")
    )
    if held.scalar_one() == 0:
        op.bulk_insert(zone, [{"id": 1, "zone": "Asia/Shanghai"}])


def downgrade() -> None:
    op.drop_table("total_zone")
    op.drop_table("broadcast_counted")
    op.drop_index("ix_broadcast_total_figures", table_name="broadcast_total")
    op.drop_table("broadcast_total")
    op.drop_table("monthly_timing")
    op.drop_table("daily_total")
