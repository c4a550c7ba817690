"""Checks what a certificate of completion carries: its attachments against the hashes it
prints and repeats in `hashes.json`, the signed content against its hash, every signature and
consent against the audit chain, and the chain inside `audit.json`, row by row, with the row
hash HR's store writes. Each finding names what it is about, as `coachplan verify` does for
HR's records.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import BaseModel, ValidationError

from coaching.certificate import (
    AUDIT_FILE,
    HASH_LINE,
    HASHES_FILE,
    PLAN_FILE,
    CertificateContent,
    ChainedAuditEntry,
)
from coaching.status import HashScheme
from coaching.validation import explain
from coaching.verification import Checked, Finding, Verdict
from store.audit_chain import audit_row_sha256


class AuditFile(BaseModel):
    plan_id: str
    rows: list[ChainedAuditEntry]
    head_sha256: str | None


@dataclass
class CarriedCheck:
    plan_id: str | None
    """The plan the attachments are about, when they can be read."""
    findings: list[Finding]


def _ok(checked: Checked, name: str, says: str) -> Finding:
    return Finding(checked=checked, name=name, verdict=Verdict.ok, says=says)


def _bad(checked: Checked, name: str, says: str) -> Finding:
    return Finding(checked=checked, name=name, verdict=Verdict.bad, says=says)


def check_carried(
    attachments: Mapping[str, bytes], page_text: bytes, unreadable: Mapping[str, str]
) -> CarriedCheck:
    """`unreadable` are the attachments whose stream could not be decoded, and why."""
    missing = [name for name in (PLAN_FILE, AUDIT_FILE, HASHES_FILE) if name not in attachments]
    if missing:
        return CarriedCheck(
            None,
            [
                _bad(Checked.attachment, name, f"cannot be read ({unreadable[name]})")
                if name in unreadable
                else _bad(Checked.attachment, name, "missing from the PDF")
                for name in missing
            ],
        )
    findings = _hash_findings(attachments, page_text)
    try:
        audit = AuditFile.model_validate_json(attachments[AUDIT_FILE])
    except ValidationError as error:
        why = "; ".join(explain(error))
        return CarriedCheck(None, [*findings, _bad(Checked.attachment, AUDIT_FILE, why)])
    findings += _chain_findings(audit)
    try:
        plan = json.loads(attachments[PLAN_FILE])
        content = CertificateContent.model_validate({**plan, "audit": audit.rows})
    except (ValidationError, ValueError, TypeError) as error:
        why = "; ".join(explain(error)) if isinstance(error, ValidationError) else str(error)
        findings.append(_bad(Checked.attachment, PLAN_FILE, f"not a certificate's content: {why}"))
        return CarriedCheck(audit.plan_id, findings)
    if content.plan_id != audit.plan_id:
        findings.append(
            _bad(
                Checked.attachment,
                PLAN_FILE,
                f"about plan {content.plan_id}, while {AUDIT_FILE} is about {audit.plan_id}",
            )
        )
    return CarriedCheck(audit.plan_id, findings + _evidence_findings(content))


def _hash_findings(attachments: Mapping[str, bytes], page_text: bytes) -> list[Finding]:
    try:
        recorded = json.loads(attachments[HASHES_FILE])
    except ValueError:
        recorded = {}
    findings = []
    for name in (PLAN_FILE, AUDIT_FILE):
        actual = hashlib.sha256(attachments[name]).hexdigest()
        problems = []
        if not isinstance(recorded, dict) or recorded.get(name) != actual:
            problems.append(f"hash mismatch: its SHA-256 is not the one in {HASHES_FILE}")
        if HASH_LINE.format(name=name, sha256=actual).encode() not in page_text:
            problems.append("hash mismatch: its SHA-256 is not the one printed on the pages")
        findings += [_bad(Checked.attachment, name, problem) for problem in problems] or [
            _ok(
                Checked.attachment,
                name,
                f"its SHA-256 {actual[:12]}… is the one printed on the pages and in {HASHES_FILE}",
            )
        ]
    return findings


def _chain_findings(audit: AuditFile) -> list[Finding]:
    """Each row against its hash and the row before it; the log as a whole when all hold."""
    findings = []
    previous: str | None = None
    for position, row in enumerate(audit.rows, start=1):
        name = f"{position} ({row.key})"
        if audit_row_sha256({"plan_id": audit.plan_id, **row.model_dump()}) != row.sha256:
            findings.append(
                _bad(Checked.audit_row, name, "edited: its fields do not match its SHA-256")
            )
        if row.prev_sha256 != previous:
            findings.append(
                _bad(
                    Checked.audit_row,
                    name,
                    "the row before it is not the one it was chained to: a row deleted, moved, "
                    "or changed and re-hashed",
                )
            )
        previous = row.sha256
    if audit.head_sha256 != previous:
        findings.append(
            _bad(Checked.audit_log, "", "its head_sha256 is not the hash of its last row")
        )
    if findings:
        return findings
    return [
        _ok(
            Checked.audit_log,
            "",
            f"{len(audit.rows)} rows, each chained to the one before and matching its hash; "
            f"head {previous}",
        )
    ]


def _evidence_findings(content: CertificateContent) -> list[Finding]:
    """The signed content hashes to what was signed, and every signature and consent is the
    one the audit chain recorded."""
    version = content.version
    plan = version.content
    recomputed = (
        plan.content_hash()
        if version.hashed_as is HashScheme.rfc8785
        else plan.pydantic_json_hash()
    )
    findings = [
        _ok(Checked.version, str(version.number), f"its content hashes to {recomputed[:12]}…")
        if recomputed == version.sha256
        else _bad(
            Checked.version,
            str(version.number),
            f"its content does not hash to the SHA-256 signed ({version.sha256[:12]}…)",
        )
    ]
    recorded_at = {
        row.evidence_sha256: position
        for position, row in enumerate(content.audit, start=1)
        if row.evidence_sha256
    }
    for signature in content.signatures:
        position = recorded_at.get(signature.evidence_sha256)
        if signature.sha256 != version.sha256:
            findings.append(_bad(Checked.signature, signature.id, "it signs another content hash"))
        elif position is None:
            findings.append(
                _bad(Checked.signature, signature.id, "it is not the one the audit chain recorded")
            )
        else:
            findings.append(
                _ok(
                    Checked.signature,
                    signature.id,
                    f"{signature.name} on version {signature.version}, as audit row {position} "
                    "recorded it",
                )
            )
    for consent in content.consents:
        position = recorded_at.get(consent.evidence_sha256)
        findings.append(
            _ok(Checked.consent, consent.id, f"as audit row {position} recorded it")
            if position is not None
            else _bad(Checked.consent, consent.id, "it is not the one the audit chain recorded")
        )
    return findings
