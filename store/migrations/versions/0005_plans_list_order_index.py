"""HR's list order, soonest deadline then plan id, in the indexes on `plans`

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26

Two indexes replace the single-column ones they extend: `ix_plans_next_deadline_plan_id`
(which the overdue filter still searches by deadline) and
`ix_plans_phase_next_deadline_plan_id` (which a phase filter searches by phase). HR's lists
read their first page from them in order instead of sorting every plan. Index changes only,
so on SQLite `plans` is not copied (see 0002).
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_plans_next_deadline_plan_id", "plans", ["next_deadline", "plan_id"])
    op.create_index(
        "ix_plans_phase_next_deadline_plan_id", "plans", ["phase", "next_deadline", "plan_id"]
    )
    op.drop_index("ix_plans_next_deadline", table_name="plans")
    op.drop_index("ix_plans_phase", table_name="plans")


def downgrade() -> None:
    op.create_index("ix_plans_phase", "plans", ["phase"])
    op.create_index("ix_plans_next_deadline", "plans", ["next_deadline"])
    op.drop_index("ix_plans_phase_next_deadline_plan_id", table_name="plans")
    op.drop_index("ix_plans_next_deadline_plan_id", table_name="plans")
