"""The plan's four parties, as the plan started with them, on `plans`

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26

The activities that word a notice, render a document or seal a certificate read the parties
here instead of in every request the workflow sends (a plan's parties never change), which
keeps them out of the plan's history. A plan recorded before this revision gets them with its
next record; until then such a request is retried. A nullable column, so on SQLite `plans` is
altered in place, not copied (see 0002).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("plans", sa.Column("parties", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("plans", "parties")
