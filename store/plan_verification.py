"""Checks one plan's record in HR's store from the data alone, offline: every version's content
against its SHA-256, every signature's evidence, the consents they rely on, and the audit
chain. `coachplan verify`, the parties' verification page and the API share this report.

The audit chain anchors the rest: a signature's or consent's evidence hash is in its
"signed" or "consented" audit row, and each row's hash covers the row before. An edit that
recomputes every hash after it cannot be told from the store alone; the sealed certificate
is the anchor outside it. Nor can the chain tell that its newest rows were cut off.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Engine, or_, select

from coaching.evidence import ConsentRecord
from coaching.plan import PlanContent
from coaching.status import HashScheme, Signature
from coaching.verification import Checked, Finding, Verdict, VerificationReport
from store.audit_chain import CHAINED, audit_row_sha256
from store.models import AuditRow, ConsentRow, PlanRow, SignatureRow, VersionRow
from store.plan_records import consent_columns, signature_columns

Row = Mapping[str, Any]


def verify_plan(engine: Engine, plan_id: str) -> VerificationReport | None:
    """None when the store holds no such plan."""
    with engine.connect() as connection:

        def rows(table: Any, *where: Any, order: Any = None) -> list[Row]:
            query = select(table).where(*where)
            if order is not None:
                query = query.order_by(order)
            return [dict(row) for row in connection.execute(query).mappings()]

        if not rows(PlanRow.__table__, PlanRow.plan_id == plan_id):
            return None
        versions = rows(
            VersionRow.__table__, VersionRow.plan_id == plan_id, order=VersionRow.number
        )
        signatures = rows(
            SignatureRow.__table__, SignatureRow.plan_id == plan_id, order=SignatureRow.seq
        )
        relied_on = [s["consent_id"] for s in signatures if s["consent_id"]]
        consents = rows(
            ConsentRow.__table__,
            or_(ConsentRow.plan_id == plan_id, ConsentRow.consent_id.in_(relied_on)),
            order=ConsentRow.given_at,
        )
        audit = rows(AuditRow.__table__, AuditRow.plan_id == plan_id, order=AuditRow.id)
    return check_plan(plan_id, versions, signatures, consents, audit)


def check_plan(
    plan_id: str,
    versions: Sequence[Row],
    signatures: Sequence[Row],
    consents: Sequence[Row],
    audit: Sequence[Row],
) -> VerificationReport:
    by_number = {v["number"]: v for v in versions}
    by_consent = {c["consent_id"]: c for c in consents}
    anchors = _anchors(audit)
    findings = [
        *(f for v in versions for f in check_version(v)),
        *(
            f
            for s in signatures
            for f in check_signature(plan_id, s, by_number, by_consent, anchors)
        ),
        *(f for c in consents for f in check_consent(plan_id, c, anchors)),
        *check_audit(audit, signatures, consents),
    ]
    return VerificationReport(plan_id=plan_id, findings=findings)


def check_version(row: Row) -> list[Finding]:
    name = str(row["number"])

    def found(verdict: Verdict, says: str) -> Finding:
        return Finding(checked=Checked.version, name=name, verdict=verdict, says=says)

    content, scheme = row["content"], row["hashed_as"]
    if content is None or scheme is None:
        return [
            found(
                Verdict.unchecked,
                "recorded before HR's store kept contents: its SHA-256 cannot be recomputed",
            )
        ]
    problems = []
    recomputed: str | None
    if scheme == HashScheme.rfc8785:
        recomputed, how = _sha256(content), "RFC 8785 canonical JSON"
    else:
        recomputed, how = _pydantic_json_hash(content), "pydantic JSON, as before RFC 8785"
    if recomputed != row["sha256"]:
        problems.append("content does not match its SHA-256")
    copy = row["signing_copy"]
    if copy is not None and _sha256(copy) != row["signing_copy_sha256"]:
        problems.append("signing copy does not match its SHA-256")
    if problems:
        return [found(Verdict.bad, problem) for problem in problems]
    holds = f"content matches its SHA-256 {_short(row['sha256'])} ({how})"
    if copy is not None:
        holds += f"; signing copy matches its SHA-256 {_short(row['signing_copy_sha256'])}"
    return [found(Verdict.ok, holds)]


def check_signature(
    plan_id: str,
    row: Row,
    versions: Mapping[int, Row],
    consents: Mapping[str, Row],
    anchors: Mapping[tuple[str, str], int],
) -> list[Finding]:
    name = row["signature_id"] or f"#{row['seq']}"

    def found(verdict: Verdict, says: str) -> Finding:
        return Finding(checked=Checked.signature, name=name, verdict=verdict, says=says)

    version = versions.get(row["version"])
    problems = []
    if version is None:
        problems.append(f"version {row['version']} is not in the store")
    elif version["sha256"] != row["sha256"]:
        problems.append(
            f"it binds SHA-256 {_short(row['sha256'])}, but version {row['version']}'s is "
            f"{_short(version['sha256'])}"
        )
    signer = f"{row['name']} ({row['role'].replace('_', ' ')})"
    if row["evidence"] is None:
        if problems:
            return [found(Verdict.bad, problem) for problem in problems]
        return [
            found(
                Verdict.unchecked,
                f"{signer} signed version {row['version']} before signature evidence was "
                "kept: only the version's hash is checked, and it holds",
            )
        ]
    evidence_sha256 = _sha256(row["evidence"])
    if evidence_sha256 != row["evidence_sha256"]:
        problems.append("its evidence does not match its SHA-256")
    line = anchors.get(("signed", evidence_sha256))
    if line is None:
        problems.append('no "signed" row of the audit log carries its evidence\'s SHA-256')
    identified = row["identified_by"]
    try:
        given = Signature.model_validate_json(row["evidence"])
    except ValidationError:
        problems.append("its evidence is not a signature's")
    else:
        identified = given.identified_by.describe() if given.identified_by else identified
        problems += [
            f"its {column} column differs from its evidence"
            for column in _differing(signature_columns(given), row)
        ]
        if given.plan_id != plan_id:
            problems.append("its evidence is about another plan")
    document = row["document_sha256"]
    copy = version["signing_copy"] if version is not None else None
    if document is None:
        problems.append("it records no hash of the document the signer read")
    elif version is not None and copy is None:
        problems.append(f"no signing copy of version {row['version']} is stored")
    elif copy is not None and _sha256(copy) != document:
        problems.append(
            f"the signing copy stored for version {row['version']} is not the document it was "
            "signed on (its SHA-256 differs)"
        )
    consent = consents.get(row["consent_id"] or "")
    if row["consent_id"] is None:
        problems.append("it relies on no consent to sign electronically")
    elif consent is None:
        problems.append(f"its consent {row['consent_id']} is not in the store")
    elif consent["email"] != row["email"]:
        problems.append(f"its consent {row['consent_id']} was given by someone else")
    if problems:
        return [found(Verdict.bad, problem) for problem in problems]
    holds = (
        f"{signer} signed version {row['version']} on {_when(row['signed_at'])}, "
        f"identified by {identified}; its evidence matches audit row {line}, its signing "
        f"copy and consent {row['consent_id']}"
    )
    if row["voided_at"] is not None:
        holds = f"voided on {_when(row['voided_at'])} ({row['voided_because']}): {holds}"
    return [found(Verdict.ok, holds)]


def check_consent(plan_id: str, row: Row, anchors: Mapping[tuple[str, str], int]) -> list[Finding]:
    def found(verdict: Verdict, says: str) -> Finding:
        return Finding(checked=Checked.consent, name=row["consent_id"], verdict=verdict, says=says)

    problems = []
    evidence_sha256 = _sha256(row["evidence"])
    if evidence_sha256 != row["evidence_sha256"]:
        problems.append("its evidence does not match its SHA-256")
    try:
        given = ConsentRecord.model_validate_json(row["evidence"])
    except ValidationError:
        problems.append("its evidence is not a consent record (or its disclosure was changed)")
    else:
        problems += [
            f"its {column} column differs from its evidence"
            for column in _differing(consent_columns(given), row)
        ]
    line = anchors.get(("consented", evidence_sha256))
    elsewhere = row["plan_id"] != plan_id
    if line is None and not elsewhere:
        problems.append('no "consented" row of the audit log carries its evidence\'s SHA-256')
    if problems:
        return [found(Verdict.bad, problem) for problem in problems]
    where = f"audit row {line}" if line is not None else "its SHA-256 (given in an earlier plan)"
    return [
        found(
            Verdict.ok,
            f"{row['name']} consented on {_when(row['given_at'])} to disclosure "
            f"{row['disclosure_version']}; its evidence matches {where}",
        )
    ]


def check_audit(
    audit: Sequence[Row], signatures: Sequence[Row], consents: Sequence[Row]
) -> list[Finding]:
    """Each row against its own hash and against the row before it, named by its position
    and key; the log as a whole when every row holds."""
    written_at = {row["sha256"]: position for position, row in enumerate(audit, start=1)}
    held = {s["evidence_sha256"] for s in signatures} | {c["evidence_sha256"] for c in consents}
    findings: list[Finding] = []
    before_chain = 0
    for position, row in enumerate(audit, start=1):
        previous = audit[position - 2] if position > 1 else None
        if (
            row["sha256"] is None
            and row["prev_sha256"] is None
            and not (previous and previous["sha256"])
        ):
            before_chain += 1
            continue
        findings += [
            Finding(
                checked=Checked.audit_row,
                name=f"{position} ({row['key']})",
                verdict=Verdict.bad,
                says=problem,
            )
            for problem in _row_problems(row, previous, audit, written_at, held)
        ]
    if findings:
        return findings
    earlier = f"; {before_chain} earlier rows predate the chain" if before_chain else ""
    return [
        Finding(
            checked=Checked.audit_log,
            name="",
            verdict=Verdict.ok,
            says=f"{len(audit) - before_chain} rows, each chained to the one before and "
            f"matching its hash{earlier}",
        )
    ]


def _row_problems(
    row: Row,
    previous: Row | None,
    audit: Sequence[Row],
    written_at: Mapping[str, int],
    held: set[str],
) -> list[str]:
    problems = []
    if row["sha256"] is None and row["prev_sha256"] is None:
        return ["it has no hash, but follows chained rows: it was added from outside"]
    if row["sha256"] is None or audit_row_sha256(_chained(row)) != row["sha256"]:
        problems.append("edited: its fields do not match its SHA-256")
    if row["prev_sha256"] != (previous["sha256"] if previous is not None else None):
        moved_from = written_at.get(row["prev_sha256"])
        if moved_from is not None:
            after = audit[moved_from - 1]["key"]
            problems.append(f"out of order: it was written after row {moved_from} ({after})")
        else:
            problems.append(
                "the row written before it is missing: deleted, or changed and re-hashed"
            )
    proof = row["evidence_sha256"]
    if row["action"] in ("signed", "consented") and proof and proof not in held:
        what = "signature" if row["action"] == "signed" else "consent"
        problems.append(f"it records a {what} (evidence {_short(proof)}) the store does not hold")
    return problems


def _anchors(audit: Sequence[Row]) -> dict[tuple[str, str], int]:
    """(action, evidence hash) -> the position of the audit row that records it."""
    return {
        (row["action"], row["evidence_sha256"]): position
        for position, row in enumerate(audit, start=1)
        if row["evidence_sha256"]
    }


def _differing(expected: Mapping[str, Any], row: Row) -> list[str]:
    return [column for column, value in expected.items() if row[column] != value]


def _chained(row: Row) -> dict[str, Any]:
    return {name: row[name] for name in CHAINED}


def _pydantic_json_hash(content: str) -> str | None:
    try:
        return PlanContent.model_validate_json(content).pydantic_json_hash()
    except ValidationError:
        return None


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _short(sha256: str | None) -> str:
    return f"{sha256[:12]}…" if sha256 else "(none)"


def _when(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"
