"""Seals a certificate of completion and puts it next to the plan's document.

The request names what the certificate must include (the signatures and the audit row it
runs to); the content is read from HR's store, which the workflow's records keep up to date,
so the workflow's history carries ids, not the plan. The workflow asks once its records
carry all that; a store still behind them fails the attempt, and Temporal tries again. A
certificate already sealed for the plan, kind and version is answered as it is: a retry
never makes a second file.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.certificate_pdf import render_certificate
from activities.heartbeats import kept_alive
from activities.threaded import threaded_activity
from coaching.certificate import CertificateKind, CertificateScope
from coaching.org import Parties
from coaching.plan import StrictModel
from integrations.documents import CertificateFile, DocumentStore
from integrations.sealing import Sealer
from store.certificates import CertificateRecords, NotCaughtUp


class SealedCertificate(StrictModel):
    plan_id: str
    seq: int
    kind: CertificateKind
    version: int
    sha256: str
    address: str


def certificate_name(kind: CertificateKind, version: int) -> str:
    return f"certificate-v{version}-{kind.value}.pdf"


class CertificateActivities:
    def __init__(
        self, records: CertificateRecords, documents: DocumentStore, sealer: Sealer
    ) -> None:
        self._records = records
        self._documents = documents
        self._sealer = sealer

    @threaded_activity
    def seal_certificate(self, request: CertificateScope) -> SealedCertificate:
        """Sync, on the worker's thread pool: pyHanko runs an event loop of its own. Rendering
        and sealing are long steps on a busy machine: the heartbeat keeps beating meanwhile."""
        with kept_alive():
            return self._seal(request)

    def _seal(self, request: CertificateScope) -> SealedCertificate:
        stored = self._records.find(request.plan_id, request.kind, request.version)
        if stored is None:
            try:
                content = self._records.content(request)
            except NotCaughtUp as waiting:
                raise ApplicationError(str(waiting), type="StoreNotCaughtUp") from None
            pdf = self._sealer.seal(render_certificate(content))
            sha256 = hashlib.sha256(pdf).hexdigest()
            address = self._documents.publish_certificate(self._file(request, content.parties, pdf))
            seq = self._records.add(
                request.plan_id,
                request.kind,
                request.version,
                sha256,
                address,
                datetime.now(UTC),
            )
            activity.logger.info(
                "Sealed certificate %d of plan %s (%s, version %d)",
                seq,
                request.plan_id,
                request.kind.value,
                request.version,
            )
        else:
            seq, sha256, address = stored.seq, stored.sha256, stored.address
        return SealedCertificate(
            plan_id=request.plan_id,
            seq=seq,
            kind=request.kind,
            version=request.version,
            sha256=sha256,
            address=address,
        )

    @staticmethod
    def _file(request: CertificateScope, parties: Parties, pdf: bytes) -> CertificateFile:
        """Shared with the plan's four parties, HR through its group where a store has one."""
        member = parties.team_member.name
        final = " (final record)" if request.kind is CertificateKind.closed else ""
        return CertificateFile(
            plan_id=request.plan_id,
            name=certificate_name(request.kind, request.version),
            title=f"Certificate of completion{final}: coaching plan for {member}, "
            f"version {request.version}.pdf",
            pdf=pdf,
            share_with=list({p.email: p for p in parties.everyone}.values()),
            hr_included=True,
        )
