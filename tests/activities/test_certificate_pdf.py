"""The certificate's pages and attachments: the same content gives the same bytes, any text
a person typed renders, and the attachments are exactly the canonical JSON."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

import pytest
from fpdf import FPDF

from activities.certificate_pdf import printable, render_certificate
from coaching.certificate import (
    AUDIT_FILE,
    HASH_LINE,
    HASHES_FILE,
    PLAN_FILE,
    CertificateContent,
    CertificateKind,
    CheckInRecord,
)
from coaching.plan import MAX_PLAN_DAYS, Activity, PlanContent
from coaching.status import CheckInStatus
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


def test_wrapped_lines_fit_where_they_are_drawn_and_keep_every_word(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    drawn: list[tuple[str, float]] = []
    """Each line written, and how much wider it is than the room its cell has for text."""
    cell = FPDF.cell

    def recording_cell(pdf: FPDF, w: float, h: float, text: str = "", **options: Any) -> Any:
        room = (w or pdf.w - pdf.r_margin - pdf.x) - 2 * pdf.c_margin
        drawn.append((text, pdf.get_string_width(text) - room))
        return cell(pdf, w, h, text, **options)

    monkeypatch.setattr(FPDF, "cell", recording_cell)
    long_word = "".join(f"{n:04d}" for n in range(250))
    area = " ".join(f"area{n:03d}" for n in range(200))
    activity = " ".join(f"act{n:03d}" for n in range(60))
    content = content_of(closed_plan(Clock()), CertificateKind.closed)
    plan = content.version.content
    activities = [
        *plan.activities,
        Activity(id="a9", description=f"{activity} {long_word} before a break\nafter it"),
    ]
    plan = plan.model_copy(
        update={"development_area": f"{area} {long_word} end", "activities": activities}
    )
    content = content.model_copy(
        update={"version": content.version.model_copy(update={"content": plan})}
    )

    page_text = read_sealed(render_certificate(content)).page_text

    assert max(overflow for _, overflow in drawn) <= 1e-6
    for word in [*area.split(), *activity.split()]:
        assert word.encode() in page_text
    shown = [text for text, _ in drawn]
    assert "before a break" in shown[shown.index("after it") - 1]
    assert not any(long_word in text for text in shown)  # broken across lines...
    printed = b"".join(re.findall(rb"\(([^()]*)\) Tj", page_text))
    assert printed.count(long_word.encode()) == 2  # ...whole in the paragraph and the cell


def longest(tokens: Iterable[str], between: str, limit: int = 4000) -> str:
    """As many of `tokens` as fit in `limit` characters, `between` each two."""
    text = ""
    for token in tokens:
        if len(text) + len(between) + len(token) > limit:
            break
        text = f"{text}{between}{token}" if text else token
    return text


def token(kind: str, n: int, i: int) -> str:
    """A word no other is: `kind`, then the text's number `n` and the word's `i` in letters,
    so that no piece of a long word cut at a line's end reads like a number the certificate
    prints (a check-in's, its count of notes)."""
    return f"Q{kind}" + "".join("abcdefghij"[int(digit)] for digit in f"{n:02d}{i:03d}")


def longest_text(n: int) -> str:
    """A text as long as the models allow, its words unique: short words, lines (some of them
    empty) or words longer than a table cell's line."""
    match n % 3:
        case 0:
            return longest((token("w", n, i) for i in range(1000)), " ")
        case 1:
            return longest((token("n", n, i) if i % 9 else "" for i in range(1, 1000)), "\n")
        case _:
            words = ("".join(token("x", n, i * 100 + j) for j in range(57)) for i in range(10))
            return longest(words, " ")


def test_the_longest_texts_the_models_allow_go_on_over_as_many_pages_as_they_need(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    drawn: list[str] = []
    overflow = below = 0.0
    """How much wider than its cell's room and how far below the bottom margin a line is, at
    most."""
    cell = FPDF.cell

    def recording_cell(pdf: FPDF, w: float, h: float, text: str = "", **options: Any) -> Any:
        nonlocal overflow, below
        if not pdf.in_footer:
            room = (w or pdf.w - pdf.r_margin - pdf.x) - 2 * pdf.c_margin
            overflow = max(overflow, pdf.get_string_width(text) - room)
            below = max(below, pdf.y + h - pdf.page_break_trigger)
            drawn.append(text)
        return cell(pdf, w, h, text, **options)

    monkeypatch.setattr(FPDF, "cell", recording_cell)
    content = content_of(closed_plan(Clock()), CertificateKind.closed)
    plan = content.version.content
    start = plan.timeline.start
    plan = PlanContent.model_validate(
        {
            **plan.model_dump(),
            "timeline": {"start": start, "end": start + timedelta(days=MAX_PLAN_DAYS)},
            "activities": [{"id": f"a{n}", "description": longest_text(n)} for n in range(1, 21)],
            "support": [
                {"id": f"s{n}", "kind": "meeting", "description": longest_text(20 + n)}
                for n in range(1, 21)
            ],
        }
    )
    check_ins = [  # one a week
        CheckInRecord(
            number=n,
            due_at=content.issued_at,
            status=CheckInStatus.recorded,
            recorded_at=content.issued_at,
            feedback=longest_text(40 + n),
            adjustments=longest_text(60 + n),  # no limit in the models: as long as feedback
        )
        for n in range(1, MAX_PLAN_DAYS // 7 + 1)
    ]
    comment = longest_text(99)
    audit = [
        *content.audit,
        content.audit[-1].model_copy(update={"action": "commented", "detail": comment}),
    ]
    texts = [
        *(a.description for a in plan.activities),
        *(s.description for s in plan.support),
        *(f"{c.feedback}\n{c.adjustments}" for c in check_ins),
        comment,
    ]
    content = content.model_copy(
        update={
            "version": content.version.model_copy(update={"content": plan}),
            "check_ins": check_ins,
            "audit": audit,
        }
    )

    assert min(len(text) for text in texts) >= 3990
    page_text = read_sealed(render_certificate(content)).page_text

    assert overflow <= 1e-6
    assert below <= 1e-6
    expected = re.findall(r"Q[wnx][a-j]{5}", "\n".join(texts))
    printed = [word.decode() for word in re.findall(rb"Q[wnx][a-j]{5}", page_text)]
    whole = set(printed)
    assert printed == [word for word in expected if word in whole]  # once each, in order
    assert all(word in whole for word in expected if word[1] != "x")  # only long words cut
    unread = "".join("".join(texts).split())
    for line in drawn:  # every line of every cell, long words' too, in order
        line = "".join(line.split())
        if line and unread.startswith(line):
            unread = unread[len(line) :]
    assert not unread
