"""HR's store is written idempotently: a retried or replayed record never writes twice, what
proves a signature is never rewritten, and the audit log is one hash chain per plan."""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine, func, insert, select
from temporalio.testing import ActivityEnvironment

from activities.documents import signing_copy
from activities.records import RecordActivities, RecordedPlan
from coaching.canonical import canonical_json
from coaching.plan import Role
from coaching.records import PlanRecord, VersionRecord
from coaching.status import HashScheme, Outcome, Phase
from store.audit_chain import audit_row_sha256
from store.hr_queries import HrQueries, PlanFilter, Scope
from store.models import (
    AuditRow,
    ConsentRow,
    ObligationRow,
    PlanRow,
    SignatureRow,
    VersionRow,
)
from store.plan_records import PlanRecords
from tests.plan_examples import plan_content
from tests.signed_plan import record_a_signed_plan
from tests.store.sample_records import NOW, a_record, audit, owes, parties


def count(store: Engine, model: type, **where: object) -> int:
    query = select(func.count()).select_from(model).filter_by(**where)
    with store.connect() as connection:
        return connection.scalar(query) or 0


def plan_row(store: Engine, plan_id: str = "plan000001") -> PlanRow:
    with store.connect() as connection:
        row = connection.execute(select(PlanRow).where(PlanRow.plan_id == plan_id)).one()
    return row  # type: ignore[return-value]


def test_running_the_same_activity_input_twice_writes_once(store: Engine) -> None:
    activities = RecordActivities(PlanRecords(store))
    record = a_record(audit=audit("started", "approved"))

    first: RecordedPlan = ActivityEnvironment().run(activities.record_plan, record)
    second: RecordedPlan = ActivityEnvironment().run(activities.record_plan, record)

    assert (first.applied, second.applied) == (True, False)
    assert count(store, PlanRow) == 1
    assert count(store, AuditRow) == 2
    assert count(store, VersionRow) == 1
    assert count(store, ObligationRow) == 1


def test_an_older_record_arriving_late_never_moves_the_plan_back(store: Engine) -> None:
    records = PlanRecords(store)
    sent = parties()
    newer = a_record(
        revision=2,
        phase=Phase.co_authoring,
        owed=[owes(Role.team_member, "propose", NOW + timedelta(days=3), sent)],
        audit=audit("co_authoring", start=2),
    )
    older = a_record(revision=1, audit=audit("started"))

    assert records.save(newer)
    assert not records.save(older)

    row = plan_row(store)
    assert (row.phase, row.revision, row.next_owed_by) == ("co_authoring", 2, "team_member")
    assert count(store, AuditRow) == 2, "the late record's audit lines are still kept"


def test_a_newer_record_replaces_who_owes_what(store: Engine) -> None:
    records = PlanRecords(store)
    sent = parties()
    records.save(a_record())
    records.save(
        a_record(
            revision=2,
            phase=Phase.signing,
            owed=[
                owes(Role.manager, "sign version 1", NOW + timedelta(days=2), sent),
                owes(Role.team_member, "sign version 1", NOW + timedelta(days=2), sent),
            ],
            audit=[],
        )
    )

    row = plan_row(store)
    assert row.next_owed_by == "manager,team_member"
    assert row.next_deadline == NOW + timedelta(days=2)
    assert count(store, ObligationRow, plan_id="plan000001") == 2
    assert count(store, ObligationRow, person_id="sara") == 0


def test_a_closed_plan_keeps_its_outcome_and_owes_nothing(store: Engine) -> None:
    records = PlanRecords(store)
    records.save(a_record())
    records.save(
        a_record(
            revision=9,
            phase=Phase.closed,
            outcome=Outcome.achieved,
            closed_at=NOW,
            owed=[],
            audit=audit("closed", start=2),
        )
    )

    row = plan_row(store)
    assert (row.phase, row.outcome, row.closed_at) == ("closed", "achieved", NOW)
    assert row.next_deadline is None
    assert count(store, ObligationRow) == 0


def test_overlapping_writes_of_one_plan_end_at_the_newest_record(store: Engine) -> None:
    """An attempt and its retry may overlap; whatever the order, the newest revision wins."""
    records = PlanRecords(store)
    sent = [
        a_record(revision=n, version=n, audit=audit(f"step{n}", start=n, version=n))
        for n in range(1, 9)
    ]

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(records.save, [*reversed(sent), *sent]))

    row = plan_row(store)
    assert (row.revision, row.version) == (8, 8)
    assert count(store, AuditRow) == 8


def test_a_team_member_once_brought_in_is_never_taken_out(store: Engine) -> None:
    """A record from a worker that predates the field says False; the plan stays visible."""
    records = PlanRecords(store)
    records.save(a_record())
    assert not plan_row(store).team_member_included

    records.save(a_record(revision=2, phase=Phase.co_authoring, team_member_included=True))
    records.save(a_record(revision=3, phase=Phase.signing, audit=[]))

    row = plan_row(store)
    assert (row.revision, row.phase, row.team_member_included) == (3, "signing", True)
    listing = HrQueries(store).list_plans(Scope.everyone(), PlanFilter(), NOW).plans[0]
    assert listing.team_member_included


def test_a_record_from_before_the_field_reads_as_not_brought_in() -> None:
    sent = a_record().model_dump(mode="json", exclude={"team_member_included"})

    assert PlanRecord.model_validate(sent).team_member_included is False


def audit_rows(store: Engine, plan_id: str = "plan000001") -> list[dict[str, Any]]:
    query = select(AuditRow.__table__).where(AuditRow.plan_id == plan_id).order_by(AuditRow.id)
    with store.connect() as connection:
        return [dict(row) for row in connection.execute(query).mappings()]


def assert_one_chain(rows: list[dict[str, Any]]) -> None:
    """Each row's hash is its own fields' and each row names the one before it: no fork."""
    assert rows, "no audit rows"
    previous = None
    for row in rows:
        assert row["prev_sha256"] == previous, row["key"]
        assert row["sha256"] == audit_row_sha256(row), row["key"]
        previous = row["sha256"]


def version_with_content(number: int = 1) -> VersionRecord:
    content = plan_content(date(2026, 12, 7))
    return VersionRecord(
        number=number,
        sha256=content.content_hash(),
        hashed_as=HashScheme.rfc8785,
        author="mia@example.com",
        summary="First draft",
        created_at=NOW,
        content=content,
    )


def stored_version(store: Engine) -> VersionRow:
    with store.connect() as connection:
        row = connection.execute(select(VersionRow)).one()
    return row  # type: ignore[return-value]


def test_a_version_keeps_its_canonical_content_whatever_records_come_later(store: Engine) -> None:
    """A version never changes: a later record without its content, or an older one arriving
    late, leaves the content stored by the first record that carried it."""
    records = PlanRecords(store)
    version = version_with_content()
    records.save(a_record(versions=[version]))
    records.save(a_record(revision=3, versions=[version.model_copy(update={"content": None})]))
    records.save(a_record(revision=2, versions=[version]))

    row = stored_version(store)
    assert version.content is not None
    assert row.content == canonical_json(version.content).decode()
    assert (row.hashed_as, row.sha256) == ("rfc8785", version.sha256)
    assert hashlib.sha256(row.content.encode()).hexdigest() == version.sha256


def test_content_missing_from_the_first_record_is_filled_by_a_later_one(store: Engine) -> None:
    records = PlanRecords(store)
    version = version_with_content()
    records.save(a_record(versions=[version.model_copy(update={"content": None})]))
    assert stored_version(store).content is None

    records.save(a_record(revision=2, versions=[version]))

    assert stored_version(store).content is not None


def test_the_audit_log_is_one_chain_across_saves_and_retries(store: Engine) -> None:
    records = PlanRecords(store)
    records.save(a_record(audit=audit("started", "approved")))
    records.save(a_record(revision=2, audit=audit("approved", "co_authoring", start=2)))
    records.save(a_record(revision=2, audit=audit("approved", "co_authoring", start=2)))
    records.save(a_record(revision=3, audit=audit("ready", start=4)))

    rows = audit_rows(store)
    assert [r["key"] for r in rows] == ["event-1", "event-2", "event-3", "event-4"]
    assert_one_chain(rows)


def test_the_chain_starts_at_the_first_row_written_with_a_hash(store: Engine) -> None:
    """Rows from before the chain have no hash; the first hashed row follows none."""
    records = PlanRecords(store)
    records.save(a_record(audit=[]))
    old = audit("started")[0]
    with store.begin() as connection:
        connection.execute(insert(AuditRow), {"plan_id": "plan000001", **old.model_dump()})

    records.save(a_record(revision=2, audit=audit("approved", start=2)))

    before, first = audit_rows(store)
    assert before["sha256"] is None
    assert_one_chain([first])


def test_overlapping_saves_of_one_plan_never_fork_its_chain(store: Engine) -> None:
    """Attempts and retries overlap, each carrying lines the others may have written: every
    line is written once, after the one written before it."""
    records = PlanRecords(store)
    sent = [
        a_record(revision=n, audit=audit(*(f"step{k}" for k in range(n, n + 3)), start=n))
        for n in range(1, 13)
    ]

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(records.save, [*reversed(sent), *sent]))

    rows = audit_rows(store)
    assert len(rows) == 14
    assert_one_chain(rows)


def test_a_signed_plan_keeps_its_signing_copies_signatures_and_consents(store: Engine) -> None:
    plan = record_a_signed_plan(store)

    with store.connect() as connection:
        versions = connection.execute(select(VersionRow).order_by(VersionRow.number)).all()
        signatures = connection.execute(select(SignatureRow).order_by(SignatureRow.seq)).all()
        consents = connection.execute(select(ConsentRow).order_by(ConsentRow.given_at)).all()
    for stored, version in zip(versions, plan.versions, strict=True):
        assert stored.content == canonical_json(version.content).decode()
        copy = signing_copy(plan.plan_id, version, plan.parties)
        assert (stored.signing_copy, stored.signing_copy_sha256) == (copy.html, copy.sha256)
    for stored, signature in zip(signatures, plan.signatures, strict=True):
        assert stored.evidence == canonical_json(signature.evidence()).decode()
        assert stored.evidence_sha256 == signature.evidence_sha256
        assert stored.signature_id == signature.id
        assert stored.document_sha256 == signature.document_sha256
        assert stored.identified_by == "development_sign_in"
    assert [s.voided_at is not None for s in signatures] == [True, False, False]
    assert (signatures[0].ip, signatures[0].session_id) == ("192.0.2.7", "s-1")
    assert [(c.consent_id, c.plan_id, c.given_through, c.evidence_sha256) for c in consents] == [
        (c.id, plan.plan_id, "development_sign_in", c.evidence_sha256)
        for c in plan.consents.values()
    ]
    rows = audit_rows(store, plan.plan_id)
    signed = [r["evidence_sha256"] for r in rows if r["action"] == "signed"]
    assert signed == [s.evidence_sha256 for s in plan.signatures]
    assert_one_chain(rows)
