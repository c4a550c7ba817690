"""The tables of HR's read model, as typed SQLAlchemy 2 models.

Every child row is keyed by the plan and a number the workflow assigned (version number,
signature sequence, check-in number, audit key), so writing the same record twice is a no-op.
Times are stored as naive UTC and read back as aware UTC, the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UtcDateTime(TypeDecorator[datetime]):
    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"refusing a naive datetime {value}: times are stored as UTC")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Stable constraint names, so migrations can refer to them on both databases."""


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UtcDateTime,
        date: Date,
        str: String(200),
    }


PLAN_ID = String(32)
PERSON_ID = String(100)


def plan_key() -> Mapped[str]:
    return mapped_column(PLAN_ID, ForeignKey("plans.plan_id", ondelete="CASCADE"), primary_key=True)


class PlanRow(Base):
    """One row per plan: what HR's lists filter and sort on."""

    __tablename__ = "plans"
    __table_args__ = (
        Index("ix_plans_next_deadline_plan_id", "next_deadline", "plan_id"),
        Index("ix_plans_phase_next_deadline_plan_id", "phase", "next_deadline", "plan_id"),
    )
    """HR's lists read their first page in this order (after the phase, when they filter on
    one), so they never sort every plan to show a few."""

    plan_id: Mapped[str] = mapped_column(PLAN_ID, primary_key=True)
    revision: Mapped[int]
    manager_id: Mapped[str] = mapped_column(PERSON_ID, index=True)
    team_member_id: Mapped[str] = mapped_column(PERSON_ID, index=True)
    skip_level_id: Mapped[str] = mapped_column(PERSON_ID, index=True)
    parties: Mapped[str | None] = mapped_column(Text)
    """The four parties as JSON (`Parties`), for the activities that address people; None in
    a row recorded before migration 0006, until the plan's next record."""
    team_member_included: Mapped[bool] = mapped_column(default=False, server_default="0")
    """Whether the team member may see the plan yet: not before the skip-level approves.
    The default is a literal, which both databases read as false (see migration 0002)."""
    phase: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str | None] = mapped_column(String(30))
    version: Mapped[int]
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    started_at: Mapped[datetime] = mapped_column(index=True)
    closed_at: Mapped[datetime | None] = mapped_column(index=True)
    review_due_at: Mapped[datetime | None]
    next_deadline: Mapped[datetime | None]
    next_owed_by: Mapped[str] = mapped_column(String(100), default="")
    """The roles that owe the next deadline, comma-separated (e.g. "manager,team_member")."""
    next_action: Mapped[str] = mapped_column(Text, default="")
    held_because: Mapped[str | None] = mapped_column(Text)
    """A step waiting for a fix of the setup (a missing Google permission, say), and why."""
    document: Mapped[str | None] = mapped_column(Text)
    """Where the plan's document lives (a Google Doc's address, or a local file)."""
    calendar: Mapped[str | None] = mapped_column(Text)
    """Where the check-in series lives."""
    updated_at: Mapped[datetime]


class ObligationRow(Base):
    """Who owes what by when, one row per person: the overdue list groups by these."""

    __tablename__ = "obligations"
    __table_args__ = (Index("ix_obligations_due_person", "due", "person_id"),)

    plan_id: Mapped[str] = plan_key()
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    role: Mapped[str] = mapped_column(String(20))
    person_id: Mapped[str] = mapped_column(PERSON_ID, index=True)
    action: Mapped[str] = mapped_column(Text)
    due: Mapped[datetime | None]
    optional: Mapped[bool]


class VersionRow(Base):
    __tablename__ = "plan_versions"

    plan_id: Mapped[str] = plan_key()
    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    sha256: Mapped[str] = mapped_column(String(64))
    hashed_as: Mapped[str | None] = mapped_column(String(20))
    author: Mapped[str]
    summary: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    content: Mapped[str | None] = mapped_column(Text)
    """The version's content as RFC 8785 canonical JSON: its hash can be recomputed from it."""
    signing_copy: Mapped[str | None] = mapped_column(Text)
    """The document as put up for signature, for the versions that were signed."""
    signing_copy_sha256: Mapped[str | None] = mapped_column(String(64))


class SignatureRow(Base):
    __tablename__ = "signatures"

    plan_id: Mapped[str] = plan_key()
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    role: Mapped[str] = mapped_column(String(20))
    email: Mapped[str]
    name: Mapped[str]
    intent: Mapped[str] = mapped_column(Text)
    version: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime]
    voided_at: Mapped[datetime | None]
    voided_because: Mapped[str] = mapped_column(Text, default="")
    signature_id: Mapped[str | None] = mapped_column(String(80))
    person_id: Mapped[str | None] = mapped_column(PERSON_ID)
    document_sha256: Mapped[str | None] = mapped_column(String(64))
    identified_by: Mapped[str | None] = mapped_column(String(30))
    subject: Mapped[str | None] = mapped_column(String(255))
    issuer: Mapped[str | None] = mapped_column(String(500))
    consent_id: Mapped[str | None] = mapped_column(String(80))
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(500))
    session_id: Mapped[str | None] = mapped_column(String(100))
    evidence: Mapped[str | None] = mapped_column(Text)
    """The signature as given, RFC 8785 canonical JSON; its hash is in the audit chain."""
    evidence_sha256: Mapped[str | None] = mapped_column(String(64))


class ConsentRow(Base):
    """A person's consent to sign electronically; kept once, relied on by later plans too."""

    __tablename__ = "consents"

    consent_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    person_id: Mapped[str] = mapped_column(PERSON_ID, index=True)
    plan_id: Mapped[str] = mapped_column(PLAN_ID)
    """The plan it was given in."""
    email: Mapped[str]
    name: Mapped[str]
    disclosure_version: Mapped[str] = mapped_column(String(40))
    disclosure_sha256: Mapped[str] = mapped_column(String(64))
    disclosure_text: Mapped[str] = mapped_column(Text)
    given_at: Mapped[datetime]
    given_through: Mapped[str] = mapped_column(String(30))
    evidence: Mapped[str] = mapped_column(Text)
    evidence_sha256: Mapped[str] = mapped_column(String(64))


class CheckInRow(Base):
    __tablename__ = "check_ins"

    plan_id: Mapped[str] = plan_key()
    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20))
    recorded_at: Mapped[datetime | None]
    feedback: Mapped[str] = mapped_column(Text, default="")
    adjustments: Mapped[str] = mapped_column(Text, default="")
    team_member_notes: Mapped[int] = mapped_column(default=0)


class ReviewRow(Base):
    __tablename__ = "reviews"

    plan_id: Mapped[str] = plan_key()
    outcome: Mapped[str] = mapped_column(String(30))
    achievements: Mapped[str] = mapped_column(Text)
    next_steps: Mapped[str] = mapped_column(Text)
    submitted_by: Mapped[str]
    submitted_at: Mapped[datetime]
    team_member_comment: Mapped[str | None] = mapped_column(Text)


class AuditRow(Base):
    """Append-only: rows are inserted once (by key) and never updated or deleted."""

    __tablename__ = "audit_log"
    __table_args__ = (UniqueConstraint("plan_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plan_id: Mapped[str] = mapped_column(PLAN_ID, index=True)
    key: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime]
    actor: Mapped[str]
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int]
    refused: Mapped[bool] = mapped_column(default=False)
    evidence_sha256: Mapped[str | None] = mapped_column(String(64))
    """The hash of the signature or consent record the line is about."""
    prev_sha256: Mapped[str | None] = mapped_column(String(64))
    sha256: Mapped[str | None] = mapped_column(String(64))
    """Chains the plan's rows: the hash of this row's fields and `prev_sha256`, so a row
    deleted, edited or moved breaks the chain where it was."""


class CertificateRow(Base):
    """A sealed certificate of completion; a re-signed or closed plan adds one, never replaces."""

    __tablename__ = "certificates"

    plan_id: Mapped[str] = plan_key()
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(20))
    version: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class PlanLookRow(Base):
    """Who opened a plan, when and through what (page, api, cli, hr_dashboard, codec)."""

    __tablename__ = "plan_looks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plan_id: Mapped[str | None] = mapped_column(PLAN_ID, index=True)
    """None for a codec decode whose plan the payload does not name."""
    person_id: Mapped[str] = mapped_column(PERSON_ID, index=True)
    at: Mapped[datetime]
    through: Mapped[str] = mapped_column(String(20))


class ApiTokenRow(Base):
    """A personal API token: only the SHA-256 of its secret is kept, so a leaked table opens
    nothing. Revoked tokens stay, so their owner sees when they were used and revoked."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    person_id: Mapped[str] = mapped_column(PERSON_ID, index=True)
    name: Mapped[str] = mapped_column(String(100))
    secret_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
