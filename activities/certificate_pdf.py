"""A certificate of completion as PDF pages (fpdf2, pure Python), with its JSON attached.

The same content gives the same bytes: the PDF's dates are the certificate's own time. The
pages use the PDF core fonts, which know Windows-1252 only; text from people is brought into
it (accents kept where they can be, anything else shown as "?", control characters dropped)
so that no name or note can break the PDF, and the attachments keep the exact text.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable
from datetime import UTC, date, datetime
from functools import lru_cache

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from activities.certificate_layout import Table, write_wrapped
from coaching.certificate import (
    AUDIT_FILE,
    HASH_LINE,
    HASHES_FILE,
    PLAN_FILE,
    CertificateContent,
    CertificateKind,
)
from coaching.evidence import ConsentRecord
from coaching.plan import Role
from coaching.status import Signature

ENCODING = "windows-1252"
BODY = 9.5
LINE = 4.8
LABEL_WIDTH = 46.0

_ROLE_NAMES = {
    Role.manager: "Manager",
    Role.team_member: "Team member",
    Role.skip_level: "Skip-level manager",
    Role.hr: "HR",
}


def printable(text: str) -> str:
    """`text` in the core fonts' character set: every character kept that can be, accents
    taken off those that cannot, "?" for the rest; line breaks kept, other controls dropped."""
    return "".join(
        map(_shown, unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\t", " ")))
    )


@lru_cache(maxsize=4096)
def _shown(char: str) -> str:
    """What `printable` shows for `char`; remembered, as text repeats the same characters."""
    if char == "\n":
        return char
    if unicodedata.category(char).startswith("C"):
        return ""
    if _encodable(char):
        return char
    plain = "".join(
        part
        for part in unicodedata.normalize("NFKD", char)
        if _encodable(part) and not unicodedata.combining(part)
    )
    return plain or "?"


def _encodable(char: str) -> bool:
    try:
        char.encode(ENCODING)
    except UnicodeEncodeError:
        return False
    return True


def utc(moment: datetime | None, seconds: bool = True) -> str:
    if moment is None:
        return ""
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M{':%S' if seconds else ''}} UTC"


class _Pages(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(format="A4")
        self.core_fonts_encoding = ENCODING
        self._footer_text = footer_text
        self.set_margins(18, 16, 18)
        self.set_auto_page_break(True, margin=16)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", size=7.5)
        self.set_text_color(110)
        self.cell(0, 4, f"{self._footer_text}   page {self.page_no()} of {{nb}}", align="C")
        self.set_text_color(0)


class CertificatePages:
    """Writes one certificate; `render` returns the PDF's bytes."""

    def __init__(self, content: CertificateContent) -> None:
        self._content = content
        self._pdf = _Pages(f"Coaching plan {content.plan_id}: certificate of completion")

    def render(self) -> bytes:
        content = self._content
        pdf = self._pdf
        pdf.set_creation_date(content.issued_at)
        pdf.set_title(printable(self._title()))
        pdf.set_subject(f"Coaching plan {content.plan_id}, version {content.version.number}")
        pdf.set_creator("coachplan")
        pdf.add_page()
        self._heading()
        self._plan()
        self._parties()
        self._signatures()
        self._consents()
        if content.kind is CertificateKind.closed:
            self._check_ins()
            self._review()
        self._timeline()
        self._attachments()
        return bytes(pdf.output())

    def _title(self) -> str:
        if self._content.kind is CertificateKind.closed:
            return "Certificate of completion: final record"
        return "Certificate of completion"

    # Building blocks.

    def _section(self, title: str) -> None:
        pdf = self._pdf
        if pdf.will_page_break(24):
            pdf.add_page()
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", 12.5)
        pdf.cell(0, 7, printable(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_draw_color(170)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
        pdf.ln(1.5)

    def _subheading(self, title: str) -> None:
        pdf = self._pdf
        if pdf.will_page_break(14):
            pdf.add_page()
        pdf.ln(1)
        pdf.set_font("Helvetica", "B", 10.5)
        write_wrapped(pdf, printable(title), 5.5)

    def _paragraph(self, text: str, size: float = BODY, style: str = "") -> None:
        pdf = self._pdf
        pdf.set_font("Helvetica", style, size)
        write_wrapped(pdf, printable(text), LINE)

    def _field(self, label: str, value: str) -> None:
        """One labelled line, the value wrapping beside its label."""
        pdf = self._pdf
        if pdf.will_page_break(LINE):
            pdf.add_page()
        pdf.set_font("Helvetica", "B", BODY)
        pdf.cell(LABEL_WIDTH, LINE, printable(label))
        pdf.set_font("Helvetica", "", BODY)
        write_wrapped(pdf, printable(value), LINE)

    def _fields(self, rows: Iterable[tuple[str, str | None]]) -> None:
        for label, value in rows:
            if value:
                self._field(label, value)

    def _table(self, headings: list[str], rows: list[list[str]], widths: list[int]) -> None:
        self._pdf.set_font("Helvetica", "", 8.5)
        Table(self._pdf, widths).write(
            [printable(value) for value in headings],
            [[printable(value) for value in row] for row in rows],
        )

    # The certificate, top to bottom.

    def _heading(self) -> None:
        content = self._content
        pdf = self._pdf
        pdf.set_font("Helvetica", "B", 17)
        pdf.cell(0, 9, self._title(), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        team_member = content.parties.team_member.name
        self._paragraph(
            f"Coaching plan {content.plan_id} for {team_member}: version "
            f"{content.version.number}, signed by the manager and the team member."
            + (f" Outcome: {_words(content.outcome)}." if content.outcome else ""),
            size=10.5,
        )
        self._paragraph(
            f"Issued {utc(content.issued_at)}. The organisation sealed this file with a PAdES "
            "certification signature that allows no change: any change to it breaks the seal. "
            "The last section says how to check it.",
            size=8.5,
        )

    def _plan(self) -> None:
        version = self._content.version
        plan = version.content
        self._section("The plan as signed")
        self._fields(
            [
                ("Version", str(version.number)),
                ("Content SHA-256", f"{version.sha256} ({version.hashed_as.value})"),
                ("Signing copy SHA-256", version.signing_copy_sha256),
            ]
        )
        self._subheading("1. Development area")
        self._paragraph(plan.development_area)
        self._subheading("2. Current state")
        self._paragraph(plan.current_state)
        self._subheading("3. Goal state")
        goal = plan.goal
        self._fields(
            [
                ("Specific", goal.specific),
                ("Measure", goal.measure),
                ("Target", goal.target),
                ("Achieve by", _day(goal.achieve_by)),
            ]
        )
        self._subheading("4. Activities")
        self._table(
            ["Id", "Activity", "Proposed by", "Due", "Status"],
            [
                [a.id, a.description, _words(a.proposed_by), _day(a.due), _words(a.status)]
                for a in plan.activities
            ],
            [8, 92, 26, 22, 22],
        )
        self._subheading("5. Timeline")
        timeline = plan.timeline
        self._paragraph(f"{_day(timeline.start)} to {_day(timeline.end)} ({timeline.days} days)")
        self._subheading("6. Support")
        self._table(
            ["Id", "Kind", "Commitment"],
            [[s.id, _words(s.kind), s.description] for s in plan.support],
            [8, 34, 128],
        )
        self._subheading("7. Update cadence")
        cadence = plan.cadence
        self._paragraph(
            f"{_words(cadence.frequency).capitalize()} on "
            f"{_words(cadence.weekday).capitalize()} at {cadence.time:%H:%M}, {cadence.time_zone}"
        )

    def _parties(self) -> None:
        parties = self._content.parties
        self._section("Parties")
        self._table(
            ["Role", "Name", "Email", "Directory id"],
            [
                [_ROLE_NAMES[role], person.name, person.email, person.id]
                for role in Role
                for person in parties.person(role)
            ],
            [34, 46, 62, 28],
        )

    def _signatures(self) -> None:
        self._section("Signatures")
        for signature in self._content.signatures:
            self._signature(signature)

    def _signature(self, signature: Signature) -> None:
        context = signature.context
        self._subheading(f"{_ROLE_NAMES[signature.role]}: {signature.name}")
        self._fields(
            [
                ("Name", signature.name),
                ("Email", signature.email),
                ("Role", _ROLE_NAMES[signature.role]),
                ("Directory id", signature.person_id),
                (
                    "Identified by",
                    signature.identified_by.describe()
                    if signature.identified_by
                    else "not recorded",
                ),
                ("Intent", f'"{signature.intent}"'),
                ("Signed at", utc(signature.signed_at)),
                ("Version", str(signature.version)),
                ("Content SHA-256", signature.sha256),
                ("Document SHA-256", signature.document_sha256),
                ("IP address", context.ip if context else None),
                ("User agent", context.user_agent if context else None),
                ("Session id", context.session_id if context else None),
                ("Consent id", signature.consent_id),
                ("Signature id", signature.id),
                ("Evidence SHA-256", signature.evidence_sha256),
            ]
        )

    def _consents(self) -> None:
        self._section("Consents to sign electronically")
        for consent in self._content.consents:
            self._consent(consent)

    def _consent(self, consent: ConsentRecord) -> None:
        context = consent.context
        self._subheading(f"{consent.name}: consent {consent.id}")
        self._fields(
            [
                ("Name", consent.name),
                ("Email", consent.email),
                ("Directory id", consent.person_id),
                ("Given at", utc(consent.given_at)),
                ("Given through", consent.given_through.describe()),
                ("IP address", context.ip if context else None),
                ("User agent", context.user_agent if context else None),
                ("Session id", context.session_id if context else None),
                ("Disclosure version", consent.disclosure_version),
                ("Disclosure SHA-256", consent.disclosure_sha256),
                ("Evidence SHA-256", consent.evidence_sha256),
            ]
        )
        self._paragraph("The disclosure as shown:", size=8.5, style="B")
        self._paragraph(consent.disclosure_text, size=8.5)

    def _check_ins(self) -> None:
        self._section("Check-ins")
        check_ins = self._content.check_ins
        if not check_ins:
            self._paragraph("None took place.")
            return
        self._table(
            ["#", "Due", "Status", "Recorded", "Feedback and adjustments", "Notes"],
            [
                [
                    str(c.number),
                    utc(c.due_at, seconds=False),
                    _words(c.status),
                    utc(c.recorded_at, seconds=False),
                    "\n".join(part for part in (c.feedback, c.adjustments) if part),
                    str(c.team_member_notes),
                ]
                for c in check_ins
            ],
            [7, 32, 18, 32, 69, 12],
        )

    def _review(self) -> None:
        self._section("Review")
        review = self._content.review
        if review is None:
            self._paragraph("No review was submitted.")
            return
        self._fields(
            [
                ("Outcome", _words(review.outcome)),
                ("Submitted by", review.submitted_by),
                ("Submitted at", utc(review.submitted_at)),
                ("Achievements", review.achievements),
                ("Next steps", review.next_steps),
                ("Team member's comment", review.team_member_comment),
            ]
        )

    def _timeline(self) -> None:
        content = self._content
        self._section("Timeline of events")
        self._table(
            ["When", "Who", "What", "Detail"],
            [
                [
                    utc(row.at, seconds=False),
                    row.actor,
                    _words(row.action) + (" (refused)" if row.refused else ""),
                    row.detail,
                ]
                for row in content.audit
            ],
            [32, 46, 28, 64],
        )
        self._section("Audit chain")
        self._fields(
            [
                ("Rows", str(len(content.audit))),
                ("Head SHA-256", content.audit_head or "none"),
            ]
        )
        self._paragraph(
            "Each row of the plan's audit log is hashed with the hash of the row before it; "
            "the head is the hash of the last row above. audit.json holds the rows with their "
            "hashes.",
            size=8.5,
        )

    def _attachments(self) -> None:
        content = self._content
        pdf = self._pdf
        attachments = content.attachments()
        self._section("Attachments and how to check this certificate")
        self._paragraph(
            f"{PLAN_FILE} holds everything above but the audit log, {AUDIT_FILE} the audit "
            f"rows with their chain hashes, both as RFC 8785 canonical JSON; {HASHES_FILE} "
            "repeats their hashes for programs. The pages show text in the Windows-1252 "
            "character set, with '?' for characters outside it; the attachments keep the exact "
            "text."
        )
        pdf.set_font("Courier", "", 8)
        for name in (PLAN_FILE, AUDIT_FILE):
            line = HASH_LINE.format(name=name, sha256=hashlib.sha256(attachments[name]).hexdigest())
            pdf.cell(0, LINE, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self._paragraph(
            "To check it: coachplan verify --pdf <this file> --trust <the organisation's root "
            "CA certificate>, which checks the seal, the attachments against the hashes above "
            "and the audit chain; or, for the seal alone, pyhanko sign validate --trust-replace "
            "--trust <root CA> <this file>.",
            size=8.5,
        )
        for name, data in attachments.items():
            pdf.embed_file(
                bytes=data,
                basename=name,
                desc=_DESCRIPTIONS[name],
                creation_date=content.issued_at,
                modification_date=content.issued_at,
                mime_type="application/json",
                compress=True,
            )


_DESCRIPTIONS = {
    PLAN_FILE: "The certificate's content as RFC 8785 canonical JSON",
    AUDIT_FILE: "The plan's audit rows with their chain hashes, RFC 8785 canonical JSON",
    HASHES_FILE: "SHA-256 of plan.json and audit.json",
}


def _day(day: date | None) -> str:
    return "" if day is None else day.isoformat()


def _words(value: object) -> str:
    return str(getattr(value, "value", value)).replace("_", " ")


def render_certificate(content: CertificateContent) -> bytes:
    return CertificatePages(content).render()
