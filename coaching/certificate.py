"""What a certificate of completion says: the plan as signed, who signed it and how they were
identified, the consents their signatures rely on, what happened, and the audit chain's head.

It travels inside the sealed PDF twice: as readable pages, and as two RFC 8785 canonical JSON
attachments, `plan.json` (everything but the audit log) and `audit.json` (the audit rows with
their chain hashes), whose SHA-256 the pages print and `hashes.json` repeats for machines.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum

from pydantic import Field

from coaching.actions import ReviewOutcome
from coaching.canonical import canonical_json
from coaching.evidence import ConsentRecord
from coaching.org import Parties
from coaching.plan import PlanContent, StrictModel
from coaching.records import AuditEntry
from coaching.status import CheckInStatus, HashScheme, Outcome, Signature

PLAN_FILE = "plan.json"
AUDIT_FILE = "audit.json"
HASHES_FILE = "hashes.json"
HASH_LINE = "SHA-256 of {name}: {sha256}"
"""How the pages print each attachment's hash, on a line of its own."""


class CertificateKind(StrEnum):
    signed = "signed"
    """Both have signed: the plan as agreed."""
    closed = "closed"
    """The final record: closed or cancelled after signing, with check-ins and review."""


class CertificateScope(StrictModel):
    """Which certificate to seal: its plan, kind and version, exactly the signatures it
    certifies, and the plan's event its audit log runs to. The workflow names it; the content
    is read from HR's store, so the plan itself does not travel in the history again."""

    plan_id: str
    kind: CertificateKind
    version: int
    signature_ids: list[str]
    """The valid signatures on `version`."""
    through_event: int
    parties: Parties | None = None
    """Scopes named before migration 0006 carried the parties; since, the activity reads them
    from HR's store."""


class ChainedAuditEntry(AuditEntry):
    """An audit row as HR's store keeps it, with its place in the plan's hash chain."""

    prev_sha256: str | None = None
    """The hash of the plan's previous row; None for its first."""
    sha256: str | None = None


class SignedVersion(StrictModel):
    number: int
    sha256: str = Field(description="The content hash the signatures bind to.")
    hashed_as: HashScheme
    content: PlanContent
    signing_copy_sha256: str | None = Field(
        default=None, description="SHA-256 of the document put up for signature."
    )


class CheckInRecord(StrictModel):
    """A check-in as HR's store keeps it."""

    number: int
    due_at: datetime
    status: CheckInStatus
    recorded_at: datetime | None = None
    feedback: str = ""
    adjustments: str = ""
    team_member_notes: int = 0


class ReviewRecord(StrictModel):
    outcome: ReviewOutcome
    achievements: str
    next_steps: str
    submitted_by: str
    submitted_at: datetime
    team_member_comment: str | None = None


class CertificateContent(StrictModel):
    plan_id: str
    kind: CertificateKind
    issued_at: datetime = Field(description="The time of the last audit row it includes.")
    outcome: Outcome | None = None
    version: SignedVersion
    parties: Parties
    signatures: list[Signature]
    consents: list[ConsentRecord]
    check_ins: list[CheckInRecord] = Field(default_factory=list)
    review: ReviewRecord | None = None
    audit: list[ChainedAuditEntry]

    @property
    def audit_head(self) -> str | None:
        return self.audit[-1].sha256 if self.audit else None

    def attachments(self) -> dict[str, bytes]:
        """The embedded files, by name; `hashes.json` names the SHA-256 of the other two."""
        plan = canonical_json(self.model_dump(mode="json", exclude={"audit"}))
        audit = canonical_json(
            {
                "plan_id": self.plan_id,
                "rows": [row.model_dump(mode="json") for row in self.audit],
                "head_sha256": self.audit_head,
            }
        )
        hashes = {PLAN_FILE: _sha256(plan), AUDIT_FILE: _sha256(audit)}
        return {PLAN_FILE: plan, AUDIT_FILE: audit, HASHES_FILE: canonical_json(hashes)}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
