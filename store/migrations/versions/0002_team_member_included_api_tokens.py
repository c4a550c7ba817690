"""Whether the team member has been brought in, and personal API tokens

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26

Plans recorded before this revision are backfilled from what the store already knows: a plan
past alignment has had its team member brought in, and a cancelled plan had if the skip-level
approved it before it was cancelled (its audit log holds an `approved` line). A plan still in
alignment has not.

On SQLite, `plans` is altered in place, never copied and dropped: its children reference it
with ON DELETE CASCADE and the store turns foreign keys on, so dropping it would empty them.
Hence a literal server default (an SQL expression makes batch mode copy the table) and a
plain DROP COLUMN on the way down (SQLite 3.35 and later).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.models

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

plans = sa.table(
    "plans",
    sa.column("plan_id", sa.String()),
    sa.column("phase", sa.String()),
    sa.column("team_member_included", sa.Boolean()),
)
audit_log = sa.table(
    "audit_log",
    sa.column("plan_id", sa.String()),
    sa.column("action", sa.String()),
    sa.column("refused", sa.Boolean()),
)


def upgrade() -> None:
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("team_member_included", sa.Boolean(), server_default="0", nullable=False)
        )
        batch_op.create_index(
            batch_op.f("ix_plans_team_member_id"), ["team_member_id"], unique=False
        )

    approved = sa.select(audit_log.c.plan_id).where(
        audit_log.c.action == "approved", audit_log.c.refused.is_(False)
    )
    op.execute(
        plans.update()
        .where(
            sa.or_(
                plans.c.phase.not_in(["alignment", "cancelled"]),
                sa.and_(plans.c.phase == "cancelled", plans.c.plan_id.in_(approved)),
            )
        )
        .values(team_member_included=True)
    )

    op.create_table(
        "api_tokens",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("person_id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("secret_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", store.models.UtcDateTime(), nullable=False),
        sa.Column("last_used_at", store.models.UtcDateTime(), nullable=True),
        sa.Column("revoked_at", store.models.UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_person_id"))

    op.drop_table("api_tokens")
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plans_team_member_id"))
    op.drop_column("plans", "team_member_included")
