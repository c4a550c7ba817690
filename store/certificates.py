"""A certificate's content, read from HR's store, and the record of each certificate sealed.

The certificate reads what the store keeps as evidence (the version's canonical content, the
signatures' and consents' evidence, the chained audit rows), not what the workflow holds, so
what it certifies is what anyone can check in the store later. The workflow records
concurrently: until the store holds what a certificate must include, `NotCaughtUp` says what
is missing, and the caller tries again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.orm import Session

from coaching.certificate import (
    CertificateContent,
    CertificateKind,
    CertificateScope,
    ChainedAuditEntry,
    CheckInRecord,
    ReviewRecord,
    SignedVersion,
)
from coaching.evidence import ConsentRecord
from coaching.plan import PlanContent
from coaching.status import HashScheme, Outcome, Signature
from store.database import one_writer
from store.models import (
    AuditRow,
    CertificateRow,
    CheckInRow,
    ConsentRow,
    PlanRow,
    ReviewRow,
    VersionRow,
)
from store.plan_records import parties_of, signature_rows


class NotCaughtUp(Exception):
    """HR's store does not hold yet what the certificate must include."""


@dataclass(frozen=True)
class StoredCertificate:
    seq: int
    sha256: str
    address: str


@dataclass(frozen=True)
class CertificateListing(StoredCertificate):
    kind: CertificateKind
    version: int
    created_at: datetime


class CertificateRecords:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def content(self, scope: CertificateScope) -> CertificateContent:
        """Raises `NotCaughtUp` naming what the store does not hold yet."""
        with Session(self._engine) as session:
            plan = session.get(PlanRow, scope.plan_id)
            if plan is None:
                raise NotCaughtUp(f"plan {scope.plan_id} is not in HR's store yet")
            parties = scope.parties or parties_of(plan)
            if parties is None:
                raise NotCaughtUp(f"plan {scope.plan_id}'s parties are not in HR's store yet")
            audit = self._audit(session, scope)
            signatures = self._signatures(session, scope)
            closed = scope.kind is CertificateKind.closed
            return CertificateContent(
                plan_id=scope.plan_id,
                kind=scope.kind,
                issued_at=audit[-1].at,
                outcome=Outcome(plan.outcome) if closed and plan.outcome else None,
                version=self._version(session, scope),
                parties=parties,
                signatures=signatures,
                consents=self._consents(session, signatures),
                check_ins=self._check_ins(session, scope.plan_id) if closed else [],
                review=self._review(session, scope.plan_id) if closed else None,
                audit=audit,
            )

    def find(self, plan_id: str, kind: CertificateKind, version: int) -> StoredCertificate | None:
        """The certificate already sealed for this plan, kind and version: a plan is fully
        signed, and closed, at most once per version."""
        with Session(self._engine) as session:
            row = session.scalars(
                select(CertificateRow).where(
                    CertificateRow.plan_id == plan_id,
                    CertificateRow.kind == kind.value,
                    CertificateRow.version == version,
                )
            ).first()
            return None if row is None else StoredCertificate(row.seq, row.sha256, row.address)

    def of(self, plan_id: str) -> list[CertificateListing]:
        """Every certificate sealed for the plan, the first first; none is ever replaced."""
        with Session(self._engine) as session:
            rows = session.scalars(
                select(CertificateRow)
                .where(CertificateRow.plan_id == plan_id)
                .order_by(CertificateRow.seq)
            )
            return [
                CertificateListing(
                    row.seq,
                    row.sha256,
                    row.address,
                    CertificateKind(row.kind),
                    row.version,
                    row.created_at,
                )
                for row in rows
            ]

    def add(
        self,
        plan_id: str,
        kind: CertificateKind,
        version: int,
        sha256: str,
        address: str,
        created_at: datetime,
    ) -> int:
        """The next number in the plan's sequence; two plans' certificates never share one,
        and a race for the same number fails one insert, which its caller retries."""
        with one_writer(self._engine), Session(self._engine) as session, session.begin():
            last = session.scalar(
                select(func.max(CertificateRow.seq)).where(CertificateRow.plan_id == plan_id)
            )
            seq = (last or 0) + 1
            session.execute(
                insert(CertificateRow).values(
                    plan_id=plan_id,
                    seq=seq,
                    kind=kind.value,
                    version=version,
                    sha256=sha256,
                    address=address,
                    created_at=created_at,
                )
            )
        return seq

    @staticmethod
    def _version(session: Session, scope: CertificateScope) -> SignedVersion:
        row = session.get(VersionRow, (scope.plan_id, scope.version))
        if row is None or row.content is None:
            raise NotCaughtUp(
                f"plan {scope.plan_id}: HR's store has no content for version {scope.version} yet"
            )
        return SignedVersion(
            number=row.number,
            sha256=row.sha256,
            hashed_as=HashScheme(row.hashed_as or HashScheme.pydantic_json),
            content=PlanContent.model_validate_json(row.content),
            signing_copy_sha256=row.signing_copy_sha256,
        )

    @staticmethod
    def _signatures(session: Session, scope: CertificateScope) -> list[Signature]:
        rows = signature_rows(session, scope.plan_id, scope.signature_ids)
        missing = [id_ for id_ in scope.signature_ids if id_ not in rows]
        if missing:
            raise NotCaughtUp(
                f"plan {scope.plan_id}: HR's store has no evidence of {', '.join(missing)} yet"
            )
        return [
            Signature.model_validate_json(rows[id_].evidence or "") for id_ in scope.signature_ids
        ]

    @staticmethod
    def _consents(session: Session, signatures: list[Signature]) -> list[ConsentRecord]:
        wanted = list(dict.fromkeys(s.consent_id for s in signatures if s.consent_id))
        rows = {
            row.consent_id: row
            for row in session.scalars(select(ConsentRow).where(ConsentRow.consent_id.in_(wanted)))
        }
        missing = [id_ for id_ in wanted if id_ not in rows]
        if missing:
            raise NotCaughtUp(f"HR's store has no consent {', '.join(missing)} yet")
        return [ConsentRecord.model_validate_json(rows[id_].evidence) for id_ in wanted]

    @staticmethod
    def _audit(session: Session, scope: CertificateScope) -> list[ChainedAuditEntry]:
        """The plan's rows in the chain's order, up to its event `through_event`."""
        key = f"event-{scope.through_event}"
        last = session.scalar(
            select(AuditRow.id).where(AuditRow.plan_id == scope.plan_id, AuditRow.key == key)
        )
        if last is None:
            raise NotCaughtUp(f"plan {scope.plan_id}: HR's store has no audit row {key} yet")
        rows = session.scalars(
            select(AuditRow)
            .where(AuditRow.plan_id == scope.plan_id, AuditRow.id <= last)
            .order_by(AuditRow.id)
        )
        return [ChainedAuditEntry.model_validate(row, from_attributes=True) for row in rows]

    @staticmethod
    def _check_ins(session: Session, plan_id: str) -> list[CheckInRecord]:
        rows = session.scalars(
            select(CheckInRow).where(CheckInRow.plan_id == plan_id).order_by(CheckInRow.number)
        )
        return [CheckInRecord.model_validate(row, from_attributes=True) for row in rows]

    @staticmethod
    def _review(session: Session, plan_id: str) -> ReviewRecord | None:
        row = session.get(ReviewRow, plan_id)
        return None if row is None else ReviewRecord.model_validate(row, from_attributes=True)
