"""Checks what a certificate of completion carries, once its seal is known to hold or not:
the attachments against the hashes it prints and repeats in `hashes.json`, and the audit
chain inside `audit.json`, row by row.
"""

from __future__ import annotations

import hashlib
import json

from pydantic import BaseModel, ValidationError

from coaching.audit_chain import ChainedAuditEntry, chain_breaks
from coaching.certificate import (
    AUDIT_FILE,
    HASH_LINE,
    HASHES_FILE,
    PLAN_FILE,
    CertificateContent,
)
from coaching.status import HashScheme
from coaching.validation import explain


class CertificateReport(BaseModel):
    """What `coachplan verify --pdf` found; `ok` when there is no problem."""

    file: str
    problems: list[str]
    facts: list[str]
    plan_id: str | None = None
    audit_rows: int | None = None
    audit_head: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


class AuditFile(BaseModel):
    plan_id: str
    rows: list[ChainedAuditEntry]
    head_sha256: str | None


class CarriedFiles(BaseModel):
    """What the attachment checks learnt, for the report."""

    problems: list[str]
    plan_id: str | None = None
    audit_rows: int | None = None
    audit_head: str | None = None


def check_attachments(attachments: dict[str, bytes], page_text: bytes) -> CarriedFiles:
    problems: list[str] = []
    missing = [name for name in (PLAN_FILE, AUDIT_FILE, HASHES_FILE) if name not in attachments]
    if missing:
        return CarriedFiles(problems=[f"attachment missing: {', '.join(missing)}"])
    try:
        recorded = json.loads(attachments[HASHES_FILE])
    except ValueError:
        recorded = {}
    for name in (PLAN_FILE, AUDIT_FILE):
        actual = hashlib.sha256(attachments[name]).hexdigest()
        if recorded.get(name) != actual:
            problems.append(f"{name} hash mismatch: its SHA-256 is not the one in {HASHES_FILE}")
        if HASH_LINE.format(name=name, sha256=actual).encode() not in page_text:
            problems.append(
                f"{name} hash mismatch: its SHA-256 is not the one printed on the pages"
            )
    try:
        audit = AuditFile.model_validate_json(attachments[AUDIT_FILE])
    except ValidationError as error:
        problems.append(f"{AUDIT_FILE} is not an audit log: {'; '.join(explain(error))}")
        return CarriedFiles(problems=problems)
    problems += chain_breaks(audit.plan_id, audit.rows)
    head = audit.rows[-1].sha256 if audit.rows else None
    if audit.head_sha256 != head:
        problems.append(f"{AUDIT_FILE}: head_sha256 is not the hash of its last row")
    try:
        plan = json.loads(attachments[PLAN_FILE])
        content = CertificateContent.model_validate({**plan, "audit": audit.rows})
    except (ValidationError, ValueError, TypeError) as error:
        why = "; ".join(explain(error)) if isinstance(error, ValidationError) else str(error)
        problems.append(f"{PLAN_FILE} is not a certificate's content: {why}")
    else:
        if content.plan_id != audit.plan_id:
            problems.append(f"{PLAN_FILE} and {AUDIT_FILE} are about different plans")
        problems += _evidence_problems(content)
    return CarriedFiles(
        problems=problems, plan_id=audit.plan_id, audit_rows=len(audit.rows), audit_head=head
    )


def _evidence_problems(content: CertificateContent) -> list[str]:
    """The signed content hashes to what was signed, and every signature and consent is the
    one the audit chain recorded."""
    problems: list[str] = []
    version = content.version
    plan = version.content
    recomputed = (
        plan.content_hash()
        if version.hashed_as is HashScheme.rfc8785
        else plan.pydantic_json_hash()
    )
    if recomputed != version.sha256:
        problems.append(f"{PLAN_FILE}: the plan's content does not hash to version.sha256")
    chained = {row.evidence_sha256 for row in content.audit if row.evidence_sha256}
    for signature in content.signatures:
        if signature.sha256 != version.sha256:
            problems.append(f"{PLAN_FILE}: signature {signature.id} is on another content hash")
        if signature.evidence_sha256 not in chained:
            problems.append(
                f"{PLAN_FILE}: signature {signature.id} is not the one the audit chain recorded"
            )
    for consent in content.consents:
        if consent.evidence_sha256 not in chained:
            problems.append(
                f"{PLAN_FILE}: consent {consent.id} is not the one the audit chain recorded"
            )
    return problems
