"""Signature evidence, consents, the hash-chained audit log, certificates and who looked

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26

Columns are added in place and nullable: rows recorded before this revision have no evidence
and no chain hashes, and `coachplan verify` says so instead of calling them tampered.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

HASH = sa.String(64)

VERSION_COLUMNS = (
    ("hashed_as", sa.String(20)),
    ("content", sa.Text()),
    ("signing_copy", sa.Text()),
    ("signing_copy_sha256", HASH),
)
SIGNATURE_COLUMNS = (
    ("signature_id", sa.String(80)),
    ("person_id", sa.String(100)),
    ("document_sha256", HASH),
    ("identified_by", sa.String(30)),
    ("subject", sa.String(255)),
    ("issuer", sa.String(500)),
    ("consent_id", sa.String(80)),
    ("ip", sa.String(64)),
    ("user_agent", sa.String(500)),
    ("session_id", sa.String(100)),
    ("evidence", sa.Text()),
    ("evidence_sha256", HASH),
)
AUDIT_COLUMNS = (
    ("evidence_sha256", HASH),
    ("prev_sha256", HASH),
    ("sha256", HASH),
)


def upgrade() -> None:
    for table, columns in (
        ("plan_versions", VERSION_COLUMNS),
        ("signatures", SIGNATURE_COLUMNS),
        ("audit_log", AUDIT_COLUMNS),
    ):
        for name, type_ in columns:
            op.add_column(table, sa.Column(name, type_, nullable=True))
    op.create_table(
        "consents",
        sa.Column("consent_id", sa.String(80), nullable=False),
        sa.Column("person_id", sa.String(100), nullable=False),
        sa.Column("plan_id", sa.String(32), nullable=False),
        sa.Column("email", sa.String(200), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("disclosure_version", sa.String(40), nullable=False),
        sa.Column("disclosure_sha256", HASH, nullable=False),
        sa.Column("disclosure_text", sa.Text(), nullable=False),
        sa.Column("given_at", sa.DateTime(timezone=False), nullable=False),
        sa.Column("given_through", sa.String(30), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("evidence_sha256", HASH, nullable=False),
        sa.PrimaryKeyConstraint("consent_id", name=op.f("pk_consents")),
    )
    op.create_index(op.f("ix_consents_person_id"), "consents", ["person_id"])
    op.create_table(
        "certificates",
        sa.Column("plan_id", sa.String(32), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sha256", HASH, nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=False), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plans.plan_id"],
            name=op.f("fk_certificates_plan_id_plans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("plan_id", "seq", name=op.f("pk_certificates")),
    )
    op.create_table(
        "plan_looks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("plan_id", sa.String(32), nullable=True),
        sa.Column("person_id", sa.String(100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=False), nullable=False),
        sa.Column("through", sa.String(20), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_looks")),
    )
    op.create_index(op.f("ix_plan_looks_plan_id"), "plan_looks", ["plan_id"])
    op.create_index(op.f("ix_plan_looks_person_id"), "plan_looks", ["person_id"])


def downgrade() -> None:
    op.drop_table("plan_looks")
    op.drop_table("certificates")
    op.drop_table("consents")
    for table, columns in (
        ("audit_log", AUDIT_COLUMNS),
        ("signatures", SIGNATURE_COLUMNS),
        ("plan_versions", VERSION_COLUMNS),
    ):
        for name, _ in reversed(columns):
            op.drop_column(table, name)
