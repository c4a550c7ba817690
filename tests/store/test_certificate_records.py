"""A certificate's content read from HR's store: exactly what the store keeps as evidence, up
to the audit row the workflow named, and `NotCaughtUp` until the store holds it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from coaching.certificate import CertificateKind
from store.certificates import CertificateRecords, NotCaughtUp
from store.models import AuditRow, PlanRow, SignatureRow, VersionRow
from tests.certificate_examples import Clock, closed_plan, content_of, record, scope_of, signed_plan

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def test_the_signed_certificate_is_what_the_store_keeps(store: Engine) -> None:
    plan = signed_plan(Clock())
    record(store, plan)
    assert CertificateRecords(store).content(scope_of(plan)) == content_of(plan)


def test_the_final_record_adds_check_ins_review_and_outcome(store: Engine) -> None:
    plan = closed_plan(Clock())
    record(store, plan)
    content = CertificateRecords(store).content(scope_of(plan, CertificateKind.closed))
    assert content.outcome is not None
    assert content.outcome.value == "achieved"
    assert [c.number for c in content.check_ins] == [c.number for c in plan.check_ins]
    assert content.review is not None
    assert content.review.achievements.startswith("Four updates")
    assert content.audit[-1].action == "closed"


def test_later_audit_rows_are_left_out(store: Engine) -> None:
    plan = signed_plan(Clock())
    through = len(plan.events)
    plan.event("system", "held", "A later line")
    record(store, plan)
    scope = scope_of(plan)
    content = CertificateRecords(store).content(scope.model_copy(update={"through_event": through}))
    assert content.audit[-1].key == f"event-{through}"
    assert content.issued_at == content.audit[-1].at


def test_the_store_not_caught_up_is_named(store: Engine) -> None:
    plan = signed_plan(Clock())
    records = CertificateRecords(store)
    with pytest.raises(NotCaughtUp, match="not in HR's store yet"):
        records.content(scope_of(plan))
    last = f"event-{len(plan.events)}"
    lacks = [
        (delete(AuditRow).where(AuditRow.key == last), f"no audit row {last} yet"),
        (
            update(SignatureRow).values(evidence=None).where(SignatureRow.seq == 2),
            "no evidence of cert0123abcd-signature-2 yet",
        ),
        (update(VersionRow).values(content=None), "no content for version 1 yet"),
        (update(PlanRow).values(parties=None), "cert0123abcd's parties are not in HR's store yet"),
    ]
    for revision, (lacking, missing) in enumerate(lacks, start=1):
        record(store, plan, revision)
        with Session(store) as session, session.begin():
            session.execute(lacking)
        with pytest.raises(NotCaughtUp, match=missing):
            records.content(scope_of(plan))


def test_a_scope_named_before_the_store_kept_parties_brings_its_own(store: Engine) -> None:
    plan = signed_plan(Clock())
    record(store, plan)
    with Session(store) as session, session.begin():
        session.execute(update(PlanRow).values(parties=None))
    scope = scope_of(plan).model_copy(update={"parties": plan.parties})

    assert CertificateRecords(store).content(scope) == content_of(plan)


def test_certificates_are_numbered_per_plan_and_found_again(store: Engine) -> None:
    plan = signed_plan(Clock())
    record(store, plan)
    records = CertificateRecords(store)
    assert records.find(plan.plan_id, CertificateKind.signed, 1) is None
    first = records.add(plan.plan_id, CertificateKind.signed, 1, "a" * 64, "file:///one", NOW)
    second = records.add(plan.plan_id, CertificateKind.closed, 1, "b" * 64, "file:///two", NOW)
    assert (first, second) == (1, 2)
    found = records.find(plan.plan_id, CertificateKind.signed, 1)
    assert found is not None
    assert (found.seq, found.address) == (1, "file:///one")
    with pytest.raises(IntegrityError):
        records.add("someotherplan", CertificateKind.signed, 1, "c" * 64, "file:///x", NOW)
