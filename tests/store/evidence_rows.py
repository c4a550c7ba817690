"""A plan written into HR's store with its evidence, in the columns' documented forms: the
version's content, signatures' and consents' evidence as RFC 8785 canonical JSON, the audit
rows chained by `coaching.audit_chain.row_sha256`. The store's own writer is tested with it;
here it only gives the certificate something to read."""

from __future__ import annotations

from sqlalchemy import Engine, insert, update
from sqlalchemy.orm import Session

from coaching.canonical import canonical_json
from coaching.plan_state import PlanState
from store.models import AuditRow, ConsentRow, SignatureRow, VersionRow
from store.plan_records import PlanRecords
from tests.certificate_examples import chained


def store_with_evidence(engine: Engine, plan: PlanState, revision: int = 1) -> None:
    PlanRecords(engine).save(plan.record(revision, (0, 0, len(plan.versions))))
    with Session(engine) as session, session.begin():
        for version in plan.versions:
            session.execute(
                update(VersionRow)
                .where(VersionRow.plan_id == plan.plan_id, VersionRow.number == version.number)
                .values(
                    content=canonical_json(version.content).decode(),
                    hashed_as=version.hashed_as.value,
                )
            )
        for seq, signature in enumerate(plan.signatures, start=1):
            session.execute(
                update(SignatureRow)
                .where(SignatureRow.plan_id == plan.plan_id, SignatureRow.seq == seq)
                .values(
                    signature_id=signature.id,
                    evidence=canonical_json(signature.evidence()).decode(),
                    evidence_sha256=signature.evidence_sha256,
                )
            )
        for consent in plan.consents.values():
            if session.get(ConsentRow, consent.id) is not None:
                continue
            session.execute(
                insert(ConsentRow).values(
                    consent_id=consent.id,
                    person_id=consent.person_id,
                    plan_id=plan.plan_id,
                    email=consent.email,
                    name=consent.name,
                    disclosure_version=consent.disclosure_version,
                    disclosure_sha256=consent.disclosure_sha256,
                    disclosure_text=consent.disclosure_text,
                    given_at=consent.given_at,
                    given_through=consent.given_through.method.value,
                    evidence=canonical_json(consent).decode(),
                    evidence_sha256=consent.evidence_sha256,
                )
            )
        for row in chained(plan):
            session.execute(
                update(AuditRow)
                .where(AuditRow.plan_id == plan.plan_id, AuditRow.key == row.key)
                .values(prev_sha256=row.prev_sha256, sha256=row.sha256)
            )
