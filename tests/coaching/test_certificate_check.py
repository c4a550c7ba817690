"""A certificate's attachments checked against the hashes it carries, and its audit chain
recomputed: every problem is named, with the row it is in."""

from __future__ import annotations

import hashlib
import json

import pytest

from coaching.audit_chain import row_sha256
from coaching.canonical import canonical_json
from coaching.certificate import AUDIT_FILE, HASH_LINE, HASHES_FILE, PLAN_FILE
from coaching.certificate_check import check_attachments
from coaching.records import AuditEntry
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


def test_a_clean_certificate_has_no_problem(attachments: dict[str, bytes]) -> None:
    carried = check_attachments(attachments, printed(attachments))
    assert carried.problems == []
    assert carried.audit_rows == len(json.loads(attachments[AUDIT_FILE])["rows"])
    assert carried.audit_head == json.loads(attachments[AUDIT_FILE])["head_sha256"]


def test_a_changed_plan_json_is_named(attachments: dict[str, bytes]) -> None:
    page_text = printed(attachments)
    plan = attachments[PLAN_FILE].replace(b"Stakeholder communication", b"Something else entirely")
    carried = check_attachments({**attachments, PLAN_FILE: plan}, page_text)
    assert carried.problems[:2] == [
        "plan.json hash mismatch: its SHA-256 is not the one in hashes.json",
        "plan.json hash mismatch: its SHA-256 is not the one printed on the pages",
    ]
    assert "plan.json: the plan's content does not hash to version.sha256" in carried.problems


def test_an_edited_audit_row_is_named_by_its_number(attachments: dict[str, bytes]) -> None:
    audit = json.loads(attachments[AUDIT_FILE])
    audit["rows"][2]["detail"] = "Something that did not happen"
    files = rehashed(attachments, **{AUDIT_FILE: canonical_json(audit)})
    carried = check_attachments(files, printed(files))
    assert carried.problems == [
        f"audit row 3 ({audit['rows'][2]['key']}) is broken: its sha256 is not the hash of its "
        "fields"
    ]


def test_a_deleted_audit_row_breaks_the_chain_where_it_was(attachments: dict[str, bytes]) -> None:
    audit = json.loads(attachments[AUDIT_FILE])
    del audit["rows"][1]
    files = rehashed(attachments, **{AUDIT_FILE: canonical_json(audit)})
    carried = check_attachments(files, printed(files))
    assert carried.problems == [
        f"audit row 2 ({audit['rows'][1]['key']}) is broken: its prev_sha256 does not point to "
        "row 1's hash"
    ]


def test_a_signature_the_chain_did_not_record_is_named(attachments: dict[str, bytes]) -> None:
    plan = json.loads(attachments[PLAN_FILE])
    plan["signatures"][0]["signed_at"] = "2026-11-30T13:31:00Z"
    files = rehashed(attachments, **{PLAN_FILE: canonical_json(plan)})
    carried = check_attachments(files, printed(files))
    signature = plan["signatures"][0]["id"]
    assert carried.problems == [
        f"plan.json: signature {signature} is not the one the audit chain recorded"
    ]


def test_a_rehashed_chain_still_differs_from_the_printed_head(
    attachments: dict[str, bytes],
) -> None:
    """Rewriting history and every hash after it still changes audit.json's printed hash."""
    audit = json.loads(attachments[AUDIT_FILE])
    previous = None
    for row in audit["rows"]:
        if row["action"] == "approved":
            row["detail"] = "Reluctantly"
        fields = {k: v for k, v in row.items() if k not in ("prev_sha256", "sha256")}
        row["prev_sha256"] = previous
        entry = AuditEntry.model_validate(fields)
        row["sha256"] = previous = row_sha256(audit["plan_id"], entry, previous)
    audit["head_sha256"] = previous
    files = rehashed(attachments, **{AUDIT_FILE: canonical_json(audit)})
    carried = check_attachments(files, printed(attachments))
    assert carried.problems == [
        "audit.json hash mismatch: its SHA-256 is not the one printed on the pages"
    ]
