"""HR read model: plans, versions, signatures, check-ins, reviews, audit log

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.models

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("plan_id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("at", store.models.UtcDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("refused", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
        sa.UniqueConstraint("plan_id", "key", name=op.f("uq_audit_log_plan_id")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "plans",
        sa.Column("plan_id", sa.String(length=32), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("manager_id", sa.String(length=100), nullable=False),
        sa.Column("team_member_id", sa.String(length=100), nullable=False),
        sa.Column("skip_level_id", sa.String(length=100), nullable=False),
        sa.Column("phase", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=30), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("started_at", store.models.UtcDateTime(), nullable=False),
        sa.Column("closed_at", store.models.UtcDateTime(), nullable=True),
        sa.Column("review_due_at", store.models.UtcDateTime(), nullable=True),
        sa.Column("next_deadline", store.models.UtcDateTime(), nullable=True),
        sa.Column("next_owed_by", sa.String(length=100), nullable=False),
        sa.Column("next_action", sa.Text(), nullable=False),
        sa.Column("updated_at", store.models.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("plan_id", name=op.f("pk_plans")),
    )
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plans_closed_at"), ["closed_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_plans_manager_id"), ["manager_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_plans_next_deadline"), ["next_deadline"], unique=False)
        batch_op.create_index(batch_op.f("ix_plans_phase"), ["phase"], unique=False)
        batch_op.create_index(batch_op.f("ix_plans_skip_level_id"), ["skip_level_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_plans_started_at"), ["started_at"], unique=False)

    op.create_table(
        "check_ins",
        sa.Column("plan_id", sa.String(length=32), nullable=False),
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("due_at", store.models.UtcDateTime(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("recorded_at", store.models.UtcDateTime(), nullable=True),
        sa.Column("feedback", sa.Text(), nullable=False),
        sa.Column("adjustments", sa.Text(), nullable=False),
        sa.Column("team_member_notes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plans.plan_id"],
            name=op.f("fk_check_ins_plan_id_plans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("plan_id", "number", name=op.f("pk_check_ins")),
    )
    op.create_table(
        "obligations",
        sa.Column("plan_id", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("person_id", sa.String(length=100), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("due", store.models.UtcDateTime(), nullable=True),
        sa.Column("optional", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plans.plan_id"],
            name=op.f("fk_obligations_plan_id_plans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("plan_id", "seq", name=op.f("pk_obligations")),
    )
    with op.batch_alter_table("obligations", schema=None) as batch_op:
        batch_op.create_index("ix_obligations_due_person", ["due", "person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_obligations_person_id"), ["person_id"], unique=False)

    op.create_table(
        "plan_versions",
        sa.Column("plan_id", sa.String(length=32), nullable=False),
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("created_at", store.models.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plans.plan_id"],
            name=op.f("fk_plan_versions_plan_id_plans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("plan_id", "number", name=op.f("pk_plan_versions")),
    )
    op.create_table(
        "reviews",
        sa.Column("plan_id", sa.String(length=32), nullable=False),
        sa.Column("outcome", sa.String(length=30), nullable=False),
        sa.Column("achievements", sa.Text(), nullable=False),
        sa.Column("next_steps", sa.Text(), nullable=False),
        sa.Column("submitted_by", sa.String(length=200), nullable=False),
        sa.Column("submitted_at", store.models.UtcDateTime(), nullable=False),
        sa.Column("team_member_comment", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plans.plan_id"],
            name=op.f("fk_reviews_plan_id_plans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("plan_id", name=op.f("pk_reviews")),
    )
    op.create_table(
        "signatures",
        sa.Column("plan_id", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("intent", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("signed_at", store.models.UtcDateTime(), nullable=False),
        sa.Column("voided_at", store.models.UtcDateTime(), nullable=True),
        sa.Column("voided_because", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plans.plan_id"],
            name=op.f("fk_signatures_plan_id_plans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("plan_id", "seq", name=op.f("pk_signatures")),
    )


def downgrade() -> None:
    op.drop_table("signatures")
    op.drop_table("reviews")
    op.drop_table("plan_versions")
    with op.batch_alter_table("obligations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_obligations_person_id"))
        batch_op.drop_index("ix_obligations_due_person")

    op.drop_table("obligations")
    op.drop_table("check_ins")
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plans_started_at"))
        batch_op.drop_index(batch_op.f("ix_plans_skip_level_id"))
        batch_op.drop_index(batch_op.f("ix_plans_phase"))
        batch_op.drop_index(batch_op.f("ix_plans_next_deadline"))
        batch_op.drop_index(batch_op.f("ix_plans_manager_id"))
        batch_op.drop_index(batch_op.f("ix_plans_closed_at"))

    op.drop_table("plans")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_plan_id"))

    op.drop_table("audit_log")
