"""The certificate's pages and attachments: the same content gives the same bytes, any text
a person typed renders, and the attachments are exactly the canonical JSON."""

from __future__ import annotations

import hashlib
import json

from activities.certificate_pdf import printable, render_certificate
from coaching.certificate import (
    AUDIT_FILE,
    HASH_LINE,
    HASHES_FILE,
    PLAN_FILE,
    CertificateContent,
    CertificateKind,
)
from coaching.plan import Activity
from integrations.seal_check import read_sealed
from tests.certificate_examples import Clock, closed_plan, content_of, signed_plan


def test_the_same_content_gives_the_same_pdf() -> None:
    content = content_of(signed_plan(Clock()))
    assert render_certificate(content) == render_certificate(content)


def test_the_attachments_are_the_canonical_json_and_their_hashes_are_printed() -> None:
    content = content_of(closed_plan(Clock()), CertificateKind.closed)
    carried = read_sealed(render_certificate(content))
    assert carried.attachments == content.attachments()
    hashes = json.loads(carried.attachments[HASHES_FILE])
    for name in (PLAN_FILE, AUDIT_FILE):
        digest = hashlib.sha256(carried.attachments[name]).hexdigest()
        assert hashes[name] == digest
        assert HASH_LINE.format(name=name, sha256=digest).encode() in carried.page_text
    plan = json.loads(carried.attachments[PLAN_FILE])
    audit = json.loads(carried.attachments[AUDIT_FILE])
    assert CertificateContent.model_validate({**plan, "audit": audit["rows"]}) == content
    assert audit["head_sha256"] == content.audit_head


def test_text_beyond_the_core_fonts_is_shown_as_near_as_it_can_be() -> None:
    assert printable("Tomás Nguyễn 阮文") == "Tomás Nguyen ??"
    assert printable("“quoted” – €5 …") == "“quoted” – €5 …"
    assert printable("bell\x07 tab\there\r\nnext 🦊\u200b") == "bell tab here\nnext ?"


def test_any_text_a_person_typed_renders() -> None:
    plan = signed_plan(Clock())
    content = content_of(plan)
    hostile = "(unbalanced \\ ) Tj ET " + "x" * 3000 + " \u202eevil\u202c 𝕏 \x00"
    activities = [
        *content.version.content.activities,
        Activity(id="a9", description=hostile),
    ]
    version = content.version.model_copy(
        update={"content": content.version.content.model_copy(update={"activities": activities})}
    )
    pdf = render_certificate(content.model_copy(update={"version": version}))
    assert read_sealed(pdf).attachments[PLAN_FILE].count(b"unbalanced") == 1
