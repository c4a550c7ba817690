"""`coachplan verify`'s checks: a signed plan's record holds, and one byte changed anywhere
in what proves it (a version, a signature, a consent, an audit row) is found and named."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, delete, insert, select, update

from coaching.org import Person
from coaching.verification import Verdict, VerificationReport
from store.models import AuditRow, ConsentRow, SignatureRow, VersionRow
from store.plan_records import PlanRecords
from store.plan_verification import verify_plan
from tests.plan_examples import MANAGER, MEMBER
from tests.signed_plan import PLAN_ID, record_a_signed_plan
from tests.store.sample_records import a_record, audit

SIGNATURE = f"signature {PLAN_ID}-signature-2"
"""The manager's valid signature, on version 2."""


@pytest.fixture
def signed(store: Engine) -> Engine:
    record_a_signed_plan(store)
    return store


def consent_of(store: Engine, person: Person) -> str:
    with store.connect() as connection:
        found = connection.scalar(
            select(ConsentRow.consent_id).where(ConsentRow.email == person.email)
        )
    assert found is not None
    return found


def report(store: Engine, plan_id: str = PLAN_ID) -> VerificationReport:
    found = verify_plan(store, plan_id)
    assert found is not None
    return found


def problems(store: Engine) -> list[tuple[str, str]]:
    return [(f.subject, f.says) for f in report(store).problems]


def one_byte_changed(text: str, near: str) -> str:
    at = text.index(near)
    return text[:at] + ("x" if text[at] != "x" else "y") + text[at + 1 :]


def change(store: Engine, model: Any, where: Any, column: str, near: str) -> None:
    """Changes one byte of one stored value, as someone with the database's password could."""
    with store.begin() as connection:
        value = connection.execute(select(getattr(model, column)).where(where)).scalar_one()
        connection.execute(
            update(model).where(where).values({column: one_byte_changed(value, near)})
        )


def test_a_signed_plan_holds_check_by_check(signed: Engine) -> None:
    found = report(signed)

    assert found.holds, found.problems
    assert [(f.subject, f.verdict) for f in found.findings] == [
        ("version 1", Verdict.ok),
        ("version 2", Verdict.ok),
        (f"signature {PLAN_ID}-signature-1", Verdict.ok),
        (f"signature {PLAN_ID}-signature-2", Verdict.ok),
        (f"signature {PLAN_ID}-signature-3", Verdict.ok),
        (f"consent {consent_of(signed, MANAGER)}", Verdict.ok),
        (f"consent {consent_of(signed, MEMBER)}", Verdict.ok),
        ("audit log", Verdict.ok),
    ]
    voided = found.findings[2].says
    assert voided.startswith("voided on ")
    assert "(version 2 changed the plan)" in voided
    assert "signing copy" in found.findings[0].says
    assert (
        found.findings[-1].says == "16 rows, each chained to the one before and matching its hash"
    )


def test_one_byte_changed_in_a_version_is_named(signed: Engine) -> None:
    change(signed, VersionRow, VersionRow.number == 2, "content", "Stakeholder")

    assert problems(signed) == [("version 2", "content does not match its SHA-256")]


def test_one_byte_changed_in_a_signing_copy_is_named_for_the_version_and_its_signers(
    signed: Engine,
) -> None:
    change(signed, VersionRow, VersionRow.number == 2, "signing_copy", "Stakeholder")

    assert problems(signed) == [
        ("version 2", "signing copy does not match its SHA-256"),
        *(
            (
                f"signature {PLAN_ID}-signature-{n}",
                "the signing copy stored for version 2 is not the document it was signed on "
                "(its SHA-256 differs)",
            )
            for n in (2, 3)
        ),
    ]


def test_one_byte_changed_in_a_signatures_evidence_is_named(signed: Engine) -> None:
    where = SignatureRow.signature_id == f"{PLAN_ID}-signature-2"
    change(signed, SignatureRow, where, "evidence", "Mia Manager")

    assert problems(signed) == [
        (SIGNATURE, "its evidence does not match its SHA-256"),
        (SIGNATURE, 'no "signed" row of the audit log carries its evidence\'s SHA-256'),
        (SIGNATURE, "its name column differs from its evidence"),
    ]


def test_one_byte_changed_in_a_signatures_column_is_named(signed: Engine) -> None:
    where = SignatureRow.signature_id == f"{PLAN_ID}-signature-2"
    change(signed, SignatureRow, where, "email", "mia@")

    assert problems(signed) == [
        (SIGNATURE, "its email column differs from its evidence"),
        (SIGNATURE, f"its consent {consent_of(signed, MANAGER)} was given by someone else"),
    ]


def test_one_byte_changed_in_a_consent_is_named(signed: Engine) -> None:
    consent = consent_of(signed, MEMBER)
    change(signed, ConsentRow, ConsentRow.consent_id == consent, "evidence", MEMBER.name)

    assert problems(signed) == [
        (f"consent {consent}", "its evidence does not match its SHA-256"),
        (f"consent {consent}", "its name column differs from its evidence"),
        (
            f"consent {consent}",
            'no "consented" row of the audit log carries its evidence\'s SHA-256',
        ),
    ]


def test_one_byte_changed_in_an_audit_row_is_named(signed: Engine) -> None:
    where = (AuditRow.plan_id == PLAN_ID) & (AuditRow.key == "event-5")
    change(signed, AuditRow, where, "detail", "Version")

    assert problems(signed) == [
        ("audit row 5 (event-5)", "edited: its fields do not match its SHA-256"),
    ]


def test_a_deleted_audit_row_is_found_where_it_was(signed: Engine) -> None:
    with signed.begin() as connection:
        connection.execute(delete(AuditRow).where(AuditRow.key == "event-5"))

    assert problems(signed) == [
        (
            "audit row 5 (event-6)",
            "the row written before it is missing: deleted, or changed and re-hashed",
        ),
    ]


def test_two_swapped_audit_rows_are_named(signed: Engine) -> None:
    with signed.begin() as connection:
        first, second = (
            connection.scalar(select(AuditRow.id).where(AuditRow.key == key))
            for key in ("event-3", "event-4")
        )
        for old, new in ((first, -1), (second, first), (-1, second)):
            connection.execute(update(AuditRow).where(AuditRow.id == old).values(id=new))

    assert problems(signed) == [
        ("audit row 3 (event-4)", "out of order: it was written after row 4 (event-3)"),
        ("audit row 4 (event-3)", "out of order: it was written after row 2 (event-2)"),
        ("audit row 5 (event-5)", "out of order: it was written after row 3 (event-4)"),
    ]


def test_a_deleted_signature_is_named_by_its_audit_row(signed: Engine) -> None:
    with signed.begin() as connection:
        connection.execute(delete(SignatureRow).where(SignatureRow.seq == 3))

    (signed_row,) = [f for f in report(signed).problems if f.subject.startswith("audit row")]
    assert signed_row.subject == "audit row 15 (event-15)"
    assert signed_row.says.startswith("it records a signature (evidence ")
    assert signed_row.says.endswith(") the store does not hold")


def test_a_record_from_before_the_evidence_is_unchecked_not_wrong(store: Engine) -> None:
    """No content, no signature evidence, audit rows without hashes: nothing to check them
    against, which the report says instead of calling them tampered."""
    PlanRecords(store).save(a_record(audit=[]))
    with store.begin() as connection:
        connection.execute(
            insert(AuditRow), {"plan_id": "plan000001", **audit("started")[0].model_dump()}
        )
    PlanRecords(store).save(a_record(revision=2, audit=audit("approved", start=2)))

    found = report(store, "plan000001")

    assert found.holds
    assert [(f.subject, f.verdict) for f in found.findings] == [
        ("version 1", Verdict.unchecked),
        ("audit log", Verdict.ok),
    ]
    assert found.findings[1].says.endswith("; 1 earlier rows predate the chain")


def test_no_such_plan_has_no_report(store: Engine) -> None:
    assert verify_plan(store, "nosuchplan1") is None
