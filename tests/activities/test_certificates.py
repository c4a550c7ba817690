"""The certificate activity: sealed from HR's store, beside the plan's document, once."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.certificates import CertificateActivities
from coaching.certificate import CertificateKind
from coaching.settings import Settings
from integrations import build_sealer
from integrations.local.documents import LocalDocumentStore
from integrations.local.sealing_ca import LocalSealingCa
from starter.verify_commands import verify_pdf
from store.certificates import CertificateRecords
from store.models import CertificateRow
from tests.certificate_examples import Clock, closed_plan, record, scope_of, signed_plan


@pytest.fixture
def certificates(tmp_path: Path, sqlite_store: Engine) -> CertificateActivities:
    return CertificateActivities(
        CertificateRecords(sqlite_store),
        LocalDocumentStore(tmp_path),
        build_sealer(Settings(data_dir=tmp_path)),
    )


def test_a_sealed_certificate_lies_beside_the_document_and_verifies(
    certificates: CertificateActivities, sqlite_store: Engine, tmp_path: Path
) -> None:
    plan = signed_plan(Clock())
    record(sqlite_store, plan)
    sealed = ActivityEnvironment().run(certificates.seal_certificate, scope_of(plan))
    path = tmp_path / "documents" / plan.plan_id / "certificate-v1-signed.pdf"
    assert sealed.address == path.resolve().as_uri()
    assert sealed.seq == 1
    ca = LocalSealingCa(tmp_path).ca_certificate.read_bytes()
    report = verify_pdf(path.read_bytes(), ca, str(path))
    assert report.problems == []
    assert report.holds
    assert report.plan_id == plan.plan_id


def test_a_retry_answers_the_certificate_already_sealed(
    certificates: CertificateActivities, sqlite_store: Engine, tmp_path: Path
) -> None:
    plan = closed_plan(Clock())
    record(sqlite_store, plan)
    environment = ActivityEnvironment()
    signed = environment.run(certificates.seal_certificate, scope_of(plan))
    final = environment.run(certificates.seal_certificate, scope_of(plan, CertificateKind.closed))
    again = environment.run(certificates.seal_certificate, scope_of(plan, CertificateKind.closed))
    assert (signed.seq, final.seq) == (1, 2)
    assert again == final
    folder = tmp_path / "documents" / plan.plan_id
    assert sorted(p.name for p in folder.glob("*.pdf")) == [
        "certificate-v1-closed.pdf",
        "certificate-v1-signed.pdf",
    ]
    with Session(sqlite_store) as session:
        assert len(session.scalars(select(CertificateRow)).all()) == 2


def test_a_store_behind_the_plan_is_retried(
    certificates: CertificateActivities,
) -> None:
    plan = signed_plan(Clock())
    with pytest.raises(ApplicationError) as waiting:
        ActivityEnvironment().run(certificates.seal_certificate, scope_of(plan))
    assert waiting.value.type == "StoreNotCaughtUp"
    assert not waiting.value.non_retryable
