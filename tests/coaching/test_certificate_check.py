"""A certificate's attachments checked against the hashes it carries, its evidence against its
audit chain, and the chain recomputed: every problem is named, with the row it is in."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

import pytest

from coaching.canonical import canonical_json
from coaching.certificate import AUDIT_FILE, HASH_LINE, HASHES_FILE, PLAN_FILE
from coaching.certificate_check import check_carried
from coaching.verification import Verdict
from store.audit_chain import audit_row_sha256
from tests.certificate_examples import Clock, content_of, signed_plan


@pytest.fixture
def attachments() -> dict[str, bytes]:
    return content_of(signed_plan(Clock())).attachments()


def printed(attachments: dict[str, bytes]) -> bytes:
    return b"\n".join(
        HASH_LINE.format(name=name, sha256=hashlib.sha256(attachments[name]).hexdigest()).encode()
        for name in (PLAN_FILE, AUDIT_FILE)
    )


def rehashed(attachments: dict[str, bytes], **changed: bytes) -> dict[str, bytes]:
    """Files changed with `hashes.json` made to match: only the printed text still differs."""
    files = {**attachments, **changed}
    hashes = {name: hashlib.sha256(files[name]).hexdigest() for name in (PLAN_FILE, AUDIT_FILE)}
    return {**files, HASHES_FILE: canonical_json(hashes)}


def problems(attachments: dict[str, bytes], page_text: bytes) -> list[str]:
    return [
        f"{f.subject}: {f.says}"
        for f in check_carried(attachments, page_text, {}).findings
        if f.verdict is Verdict.bad
    ]


def test_a_clean_certificate_has_no_problem(attachments: dict[str, bytes]) -> None:
    checked = check_carried(attachments, printed(attachments), {})
    audit = json.loads(attachments[AUDIT_FILE])
    assert checked.plan_id == audit["plan_id"]
    assert {f.verdict for f in checked.findings} == {Verdict.ok}
    subjects = [f.subject for f in checked.findings]
    assert subjects[:3] == ["attachment plan.json", "attachment audit.json", "audit log"]
    assert "version 1" in subjects
    assert sum(s.startswith("signature ") for s in subjects) == 2
    assert sum(s.startswith("consent ") for s in subjects) == 2
    assert audit["head_sha256"] in checked.findings[2].says


def test_a_changed_plan_json_is_named(attachments: dict[str, bytes]) -> None:
    page_text = printed(attachments)
    plan = attachments[PLAN_FILE].replace(b"Stakeholder communication", b"Something else entirely")
    assert problems({**attachments, PLAN_FILE: plan}, page_text) == [
        "attachment plan.json: hash mismatch: its SHA-256 is not the one in hashes.json",
        "attachment plan.json: hash mismatch: its SHA-256 is not the one printed on the pages",
        "version 1: its content does not hash to the SHA-256 signed (06f40282436c…)",
    ]


def test_an_edited_audit_row_is_named_by_its_number(attachments: dict[str, bytes]) -> None:
    audit = json.loads(attachments[AUDIT_FILE])
    audit["rows"][2]["detail"] = "Something that did not happen"
    files = rehashed(attachments, **{AUDIT_FILE: canonical_json(audit)})
    key = audit["rows"][2]["key"]
    assert problems(files, printed(files)) == [
        f"audit row 3 ({key}): edited: its fields do not match its SHA-256"
    ]


def test_a_deleted_audit_row_breaks_the_chain_where_it_was(attachments: dict[str, bytes]) -> None:
    audit = json.loads(attachments[AUDIT_FILE])
    del audit["rows"][1]
    files = rehashed(attachments, **{AUDIT_FILE: canonical_json(audit)})
    key = audit["rows"][1]["key"]
    assert problems(files, printed(files)) == [
        f"audit row 2 ({key}): the row before it is not the one it was chained to: a row "
        "deleted, moved, or changed and re-hashed"
    ]


def test_a_signature_the_chain_did_not_record_is_named(attachments: dict[str, bytes]) -> None:
    plan = json.loads(attachments[PLAN_FILE])
    plan["signatures"][0]["signed_at"] = "2026-11-30T13:31:00Z"
    files = rehashed(attachments, **{PLAN_FILE: canonical_json(plan)})
    signature = plan["signatures"][0]["id"]
    assert problems(files, printed(files)) == [
        f"signature {signature}: it is not the one the audit chain recorded"
    ]


def test_a_rehashed_chain_still_differs_from_the_printed_hash(
    attachments: dict[str, bytes],
) -> None:
    """Rewriting history and every hash after it still changes audit.json's printed hash."""
    audit = json.loads(attachments[AUDIT_FILE])
    previous = None
    for row in audit["rows"]:
        if row["action"] == "approved":
            row["detail"] = "Reluctantly"
        row["prev_sha256"] = previous
        row["sha256"] = previous = audit_row_sha256(
            {**row, "plan_id": audit["plan_id"], "at": datetime.fromisoformat(row["at"])}
        )
    audit["head_sha256"] = previous
    files = rehashed(attachments, **{AUDIT_FILE: canonical_json(audit)})
    assert problems(files, printed(attachments)) == [
        "attachment audit.json: hash mismatch: its SHA-256 is not the one printed on the pages"
    ]


def test_missing_attachments_are_named(attachments: dict[str, bytes]) -> None:
    only_plan = {PLAN_FILE: attachments[PLAN_FILE]}
    assert problems(only_plan, b"") == [
        "attachment audit.json: missing from the PDF",
        "attachment hashes.json: missing from the PDF",
    ]
