"""A step held for a fix of the setup, and where the plan's document and check-ins live

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26

Three nullable columns on `plans`, added in place (see 0002 for why `plans` is never copied
on SQLite). Plans recorded before this revision get them with their next record.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

COLUMNS = ("held_because", "document", "calendar")


def upgrade() -> None:
    for name in COLUMNS:
        op.add_column("plans", sa.Column(name, sa.Text(), nullable=True))


def downgrade() -> None:
    for name in reversed(COLUMNS):
        op.drop_column("plans", name)
