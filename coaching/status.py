"""What a plan looks like from outside: the whole state the `status` query returns."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field

from coaching.actions import (
    ActivityProgress,
    ReviewOutcome,
    SupportDelivery,
)
from coaching.canonical import canonical_sha256
from coaching.evidence import ConsentRecord, Identification, SigningContext
from coaching.org import Parties
from coaching.plan import ActivityStatus, PlanContent, Role, StrictModel, SupportKind


class Phase(StrEnum):
    alignment = "alignment"
    co_authoring = "co_authoring"
    signing = "signing"
    active = "active"
    review = "review"
    closed = "closed"
    cancelled = "cancelled"

    @property
    def is_final(self) -> bool:
        return self in (Phase.closed, Phase.cancelled)


class Outcome(StrEnum):
    achieved = "achieved"
    partially_achieved = "partially_achieved"
    not_achieved = "not_achieved"
    closed_without_review = "closed_without_review"
    cancelled = "cancelled"


class HashScheme(StrEnum):
    rfc8785 = "rfc8785"
    pydantic_json = "pydantic_json"
    """Before RFC 8785: plans started then keep it, so their signatures still hold."""


class PlanVersion(StrictModel):
    number: int
    content: PlanContent
    sha256: str
    hashed_as: HashScheme = HashScheme.pydantic_json
    author: str
    summary: str
    created_at: datetime


class Signature(StrictModel):
    """Who agreed to exactly what, when, and how they were identified.

    The fields after `signed_at` came with signature evidence; signatures from before it
    have their defaults.
    """

    role: Role
    email: str
    name: str
    intent: str
    version: int
    sha256: str = Field(description="The signed version's content hash (RFC 8785).")
    signed_at: datetime
    id: str = ""
    plan_id: str = ""
    person_id: str = ""
    document_sha256: str | None = Field(
        default=None, description="SHA-256 of the signing copy the signer read."
    )
    identified_by: Identification | None = None
    consent_id: str | None = None
    context: SigningContext | None = None
    voided_at: datetime | None = None
    voided_because: str = ""

    @property
    def valid(self) -> bool:
        return self.voided_at is None

    def evidence(self) -> dict[str, Any]:
        """The signature as it was given: voiding it later does not change its evidence."""
        return self.model_dump(mode="json", exclude={"voided_at", "voided_because"})

    @property
    def evidence_sha256(self) -> str:
        return canonical_sha256(self.evidence())


class CheckInStatus(StrEnum):
    scheduled = "scheduled"
    due = "due"
    overdue = "overdue"
    recorded = "recorded"
    missed = "missed"
    skipped = "skipped"
    """The manager said, with a reason, that it will not take place: not a missed one."""


class Note(StrictModel):
    author: str
    text: str
    at: datetime


class CheckIn(StrictModel):
    number: int
    due_at: datetime
    status: CheckInStatus = CheckInStatus.scheduled
    occurrence_at: datetime | None = Field(
        default=None,
        description="Where the calendar series has it, once it was moved to `due_at`.",
    )
    moved_because: str = ""
    skipped_because: str = ""
    progress: list[ActivityProgress] = Field(default_factory=list)
    support: list[SupportDelivery] = Field(default_factory=list)
    feedback: str = ""
    adjustments: str = ""
    recorded_at: datetime | None = None
    team_member_notes: list[Note] = Field(default_factory=list)


class ActivityEvidence(StrictModel):
    activity_id: str
    description: str
    status: ActivityStatus
    notes: list[str]


class SupportEvidence(StrictModel):
    support_id: str
    kind: SupportKind
    description: str
    delivered: int
    not_delivered: int
    notes: list[str]


class ReviewForm(StrictModel):
    """The review, pre-filled from the check-ins, so the outcome rests on evidence."""

    activities: list[ActivityEvidence]
    support: list[SupportEvidence]
    check_ins_recorded: int
    check_ins_missed: int
    check_ins_skipped: int = 0
    feedback: list[str]
    team_member_notes: list[str]
    suggested_outcome: ReviewOutcome


class Review(StrictModel):
    outcome: ReviewOutcome
    achievements: str
    next_steps: str
    evidence: ReviewForm
    submitted_by: str
    submitted_at: datetime
    team_member_comment: Note | None = None


class Obligation(StrictModel):
    """Who owes what by when: the answer to "what is this plan waiting for?"."""

    role: Role
    who: list[str]
    action: str
    due: datetime | None = None
    optional: bool = False


def next_deadline(owed: list[Obligation]) -> datetime | None:
    """The earliest date someone must act by; optional steps set no deadline."""
    return min((o.due for o in owed if o.due is not None and not o.optional), default=None)


class PlanEvent(StrictModel):
    at: datetime
    actor: str
    kind: str
    detail: str = ""
    version: int = Field(description="The plan version current when it happened.")
    evidence_sha256: str | None = Field(
        default=None, description="The hash of the signature or consent record it is about."
    )


class PlanStatus(StrictModel):
    plan_id: str
    phase: Phase
    outcome: Outcome | None = None
    parties: Parties
    team_member_included: bool = Field(
        description="The team member sees the plan only once the skip-level has approved it."
    )
    version: int
    content: PlanContent
    sha256: str
    versions: list[PlanVersion]
    ready: list[Role] = Field(description="Who marked the current version ready to sign.")
    signatures: list[Signature]
    consents: list[ConsentRecord] = Field(default_factory=list)
    check_ins: list[CheckIn]
    review_due_at: datetime | None
    review: Review | None
    extended_to: str | None = None
    owed: list[Obligation]
    events: list[PlanEvent]
    documents: list[str] = Field(description="Where each rendered version lives.")
    held_because: str | None = Field(
        default=None,
        description="A step waiting for a fix of the setup (a missing Google permission, say).",
    )


class PlanSummary(StrictModel):
    """What anyone may know of a plan without being one of its parties: no names, no content."""

    plan_id: str
    phase: Phase
    outcome: Outcome | None
    version: int
    owed: list[Obligation]

    @classmethod
    def of(cls, status: PlanStatus) -> PlanSummary:
        return cls(
            plan_id=status.plan_id,
            phase=status.phase,
            outcome=status.outcome,
            version=status.version,
            owed=[o.model_copy(update={"who": []}) for o in status.owed],
        )


class ActionResult(StrictModel):
    """What an accepted action changed, for the person who did it."""

    message: str
    phase: Phase
    version: int


class RefusalKind(StrEnum):
    """Why an action was refused: the `type` of the Update's `ApplicationError`, so that a
    client can answer without reading the message (404, 403, 409 and 422 over HTTP).
    Each name is its value, as the type arrives by name."""

    NotAParty = "NotAParty"
    """The actor is none of the plan's four parties: to them the plan does not exist."""
    WrongPerson = "WrongPerson"
    """A party, but not one whose role may take this action."""
    WrongPhase = "WrongPhase"
    """Not now: the plan's phase, or its state within the phase, does not allow it (already
    done, not due yet, a version that is no longer current)."""
    BadData = "BadData"
    """The action's data breaks a rule: an unknown id, a hash or intent that does not match,
    a date out of bounds, content the plan's rules refuse."""


class Refused(Exception):
    """An action the rules refuse, before anything changes."""

    def __init__(self, kind: RefusalKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
