"""The verification report's JSON, as the CLI and the API answer it, reads back as it was."""

from __future__ import annotations

from coaching.verification import Checked, Finding, Verdict, VerificationReport

BROKEN = VerificationReport(
    plan_id="abc123def456",
    findings=[
        Finding(checked=Checked.version, name="1", verdict=Verdict.ok, says="holds"),
        Finding(
            checked=Checked.audit_row,
            name="5 (event-5)",
            verdict=Verdict.bad,
            says="edited: its fields do not match its SHA-256",
        ),
    ],
)


def test_the_json_says_whether_it_holds_and_reads_back() -> None:
    sent = BROKEN.model_dump_json()

    assert '"holds":false' in sent
    assert VerificationReport.model_validate_json(sent) == BROKEN


def test_holds_is_recomputed_not_taken_from_the_json() -> None:
    claimed = BROKEN.model_dump(mode="json") | {"holds": True}

    read = VerificationReport.model_validate(claimed)

    assert not read.holds
    assert [f.subject for f in read.problems] == ["audit row 5 (event-5)"]
