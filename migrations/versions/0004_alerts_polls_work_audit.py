"""alerts polls reads work log headcount audit

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("job", "key", name="uq_job_run_key"),
    )
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("command", sa.String(length=64), nullable=False),
        sa.Column("args", sa.Text(), server_default="", nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_entry_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entry_person_id"), ["person_id"], unique=False)

    op.create_table(
        "checklist_mark",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("node_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=64), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["node_id"],
            ["node.id"],
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("node_id", "item", "period", name="uq_checklist_mark_period"),
    )
    with op.batch_alter_table("checklist_mark", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checklist_mark_node_id"), ["node_id"], unique=False)

    op.create_table(
        "headcount_round",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("node_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("opened_by", sa.Integer(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["node_id"],
            ["node.id"],
        ),
        sa.ForeignKeyConstraint(
            ["opened_by"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("headcount_round", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_headcount_round_day"), ["day"], unique=False)
        batch_op.create_index(batch_op.f("ix_headcount_round_node_id"), ["node_id"], unique=False)

    op.create_table(
        "headcount_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("node_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["node_id"],
            ["node.id"],
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["headcount_round.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id", "node_id", name="uq_headcount_answer_grid"),
    )
    with op.batch_alter_table("headcount_answer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_headcount_answer_node_id"), ["node_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_headcount_answer_round_id"), ["round_id"], unique=False
        )

    op.create_table(
        "work_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("node_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["node_id"],
            ["node.id"],
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["ticket.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("work_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_work_log_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_work_log_node_id"), ["node_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_work_log_person_id"), ["person_id"], unique=False)

    op.create_table(
        "broadcast_read",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("broadcast_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["broadcast_id"],
            ["broadcast.id"],
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["chat_group.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("broadcast_id", "user_id", name="uq_broadcast_read_user"),
    )
    with op.batch_alter_table("broadcast_read", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_broadcast_read_broadcast_id"), ["broadcast_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_broadcast_read_group_id"), ["group_id"], unique=False)

    op.create_table(
        "missing_alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("node_id", sa.Integer(), nullable=False),
        sa.Column("broadcast_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), server_default="active", nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("confirmed_by", sa.Integer(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("found_by", sa.Integer(), nullable=True),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("found_seconds", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["broadcast_id"],
            ["broadcast.id"],
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_by"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["found_by"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["node_id"],
            ["node.id"],
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["ticket.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ticket_id"),
    )
    with op.batch_alter_table("missing_alert", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_missing_alert_node_id"), ["node_id"], unique=False)

    op.create_table(
        "poll_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("broadcast_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("option", sa.Integer(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["broadcast_id"],
            ["broadcast.id"],
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["chat_group.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("broadcast_id", "user_id", name="uq_poll_answer_user"),
    )
    with op.batch_alter_table("poll_answer", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_poll_answer_broadcast_id"), ["broadcast_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_poll_answer_group_id"), ["group_id"], unique=False)

    with op.batch_alter_table("broadcast", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=16), server_default="message", nullable=False)
        )
        batch_op.add_column(
            sa.Column("templated", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("read_button", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("options", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("source_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("edit_mode", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("ticket_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_broadcast_ticket_id"), ["ticket_id"], unique=False)
        batch_op.create_foreign_key("fk_broadcast_source_id", "broadcast", ["source_id"], ["id"])
        batch_op.create_foreign_key("fk_broadcast_ticket_id", "ticket", ["ticket_id"], ["id"])

    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("contact_public", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_column("contact_public")

    with op.batch_alter_table("broadcast", schema=None) as batch_op:
        batch_op.drop_constraint("fk_broadcast_ticket_id", type_="foreignkey")
        batch_op.drop_constraint("fk_broadcast_source_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_broadcast_ticket_id"))
        batch_op.drop_column("ticket_id")
        batch_op.drop_column("edit_mode")
        batch_op.drop_column("source_id")
        batch_op.drop_column("options")
        batch_op.drop_column("read_button")
        batch_op.drop_column("templated")
        batch_op.drop_column("kind")

    with op.batch_alter_table("poll_answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_poll_answer_group_id"))
        batch_op.drop_index(batch_op.f("ix_poll_answer_broadcast_id"))

    op.drop_table("poll_answer")
    with op.batch_alter_table("missing_alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_missing_alert_node_id"))

    op.drop_table("missing_alert")
    with op.batch_alter_table("broadcast_read", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_broadcast_read_group_id"))
        batch_op.drop_index(batch_op.f("ix_broadcast_read_broadcast_id"))

    op.drop_table("broadcast_read")
    with op.batch_alter_table("work_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_work_log_person_id"))
        batch_op.drop_index(batch_op.f("ix_work_log_node_id"))
        batch_op.drop_index(batch_op.f("ix_work_log_created_at"))

    op.drop_table("work_log")
    with op.batch_alter_table("headcount_answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_headcount_answer_round_id"))
        batch_op.drop_index(batch_op.f("ix_headcount_answer_node_id"))

    op.drop_table("headcount_answer")
    with op.batch_alter_table("headcount_round", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_headcount_round_node_id"))
        batch_op.drop_index(batch_op.f("ix_headcount_round_day"))

    op.drop_table("headcount_round")
    with op.batch_alter_table("checklist_mark", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checklist_mark_node_id"))

    op.drop_table("checklist_mark")
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entry_person_id"))
        batch_op.drop_index(batch_op.f("ix_audit_entry_at"))

    op.drop_table("audit_entry")
    op.drop_table("job_run")
