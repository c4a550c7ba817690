"""What the workflow hands to HR's store: the plan's state, and the audit lines not yet written.

The store is a read model. Every record carries the whole current state, so a record that
arrives after an outage brings everything up to date at once. `revision` orders records, so
a retried older one can never overwrite a newer one.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from coaching.evidence import ConsentRecord
from coaching.org import Parties
from coaching.plan import PlanContent, ShortText, StrictModel
from coaching.status import (
    CheckIn,
    HashScheme,
    Obligation,
    Outcome,
    Phase,
    Review,
    Signature,
    next_deadline,
)


class VersionRecord(StrictModel):
    """Who changed what: the version's hash, author and summary, and its content in the
    first record that carries the version (a version never changes afterwards)."""

    number: int
    sha256: str
    hashed_as: HashScheme = HashScheme.pydantic_json
    author: str
    summary: str
    created_at: datetime
    content: PlanContent | None = None


class AuditEntry(StrictModel):
    """One line of the append-only audit log: an action, a phase change or a refusal."""

    key: str = Field(description="Unique within the plan, so a retried write never doubles it.")
    at: datetime
    actor: str
    action: str
    detail: str = ""
    version: int
    refused: bool = False
    evidence_sha256: str | None = Field(
        default=None, description="The hash of the signature or consent record it is about."
    )


class Refusal(StrictModel):
    """An action the workflow refused, reported by the client that was refused.

    A refused Update leaves no trace in the workflow's history, so the client tells the
    workflow in a signal, and the workflow writes it to the audit log like any other line.
    """

    actor: ShortText
    action: ShortText
    reason: ShortText


class PlanRecord(StrictModel):
    plan_id: str
    revision: int = Field(ge=1)
    parties: Parties
    team_member_included: bool = Field(
        default=False,
        description="The skip-level has approved, so the team member may see the plan. The "
        "default keeps records in histories from before this field valid.",
    )
    phase: Phase
    outcome: Outcome | None
    version: int
    starts_on: date
    ends_on: date
    started_at: datetime
    closed_at: datetime | None
    review_due_at: datetime | None
    owed: list[Obligation]
    versions: list[VersionRecord]
    signatures: list[Signature]
    consents: list[ConsentRecord] = Field(default_factory=list)
    check_ins: list[CheckIn]
    review: Review | None
    held_because: str | None = Field(
        default=None, description="A step waiting for a fix of the setup, and what to fix."
    )
    document: str | None = Field(default=None, description="The plan document's address.")
    calendar: str | None = Field(default=None, description="The check-in series' address.")
    audit: list[AuditEntry] = Field(description="Only the lines no earlier record carried.")

    @property
    def next_deadline(self) -> datetime | None:
        return next_deadline(self.owed)
