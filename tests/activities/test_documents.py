"""The plan document: all of the plan, tied to its hash, shared with exactly the right people."""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.documents import DocumentActivities, PlanDocumentRequest, PublishedDocument
from coaching.actions import SIGNING_INTENT, ActivityProgress, ReviewOutcome, SupportDelivery
from coaching.org import Parties
from coaching.plan import PlanContent, Role
from coaching.status import (
    ActivityEvidence,
    CheckIn,
    CheckInStatus,
    Note,
    Phase,
    PlanVersion,
    Review,
    ReviewForm,
    Signature,
    SupportEvidence,
)
from integrations.failures import IntegrationFailure
from integrations.recipients import REFUSED
from tests.activities.conftest import HR, MANAGER, MEMBER, SKIP, version_of

PLAN_ID = "p1a2b3c4"
ALL_ROLES = list(Role)


def request(
    version: PlanVersion,
    parties: Parties,
    phase: Phase = Phase.co_authoring,
    share_with: list[Role] = ALL_ROLES,
    **history: object,
) -> PlanDocumentRequest:
    return PlanDocumentRequest.model_validate(
        {
            "plan_id": PLAN_ID,
            "phase": phase,
            "version": version,
            "parties": parties,
            "share_with": share_with,
            **history,
        }
    )


def publish(documents: DocumentActivities, document: PlanDocumentRequest) -> PublishedDocument:
    return ActivityEnvironment().run(documents.render_plan_document, document)


def read_text(published: PublishedDocument, suffix: str) -> str:
    """The rendered file as a reader sees it: HTML entities decoded."""
    path = Path(urlparse(published.uri).path).with_suffix(suffix)
    text = path.read_text()
    return html.unescape(text) if suffix == ".html" else text


def sharing(tmp_path: Path) -> dict[str, list[str]]:
    versions: dict[str, list[str]] = json.loads(
        (tmp_path / "documents" / PLAN_ID / "sharing.json").read_text()
    )["versions"]
    return versions


@pytest.mark.parametrize("suffix", [".html", ".md"])
def test_the_document_shows_all_seven_parts_and_the_hash(
    documents: DocumentActivities, version: PlanVersion, parties: Parties, suffix: str
) -> None:
    text = read_text(publish(documents, request(version, parties)), suffix)
    content = version.content

    expected = [
        content.development_area,
        content.current_state,
        content.goal.specific,
        content.goal.measure,
        content.goal.target,
        "2026-11-10",
        *(activity.description for activity in content.activities),
        "2026-10-20",
        "In progress",
        "Planned",
        "Team member",
        "2026-10-14",
        "2026-11-12",
        *(support.description for support in content.support),
        "Meeting",
        "Manager assistance",
        "Tool",
        "The manager commits",
        "Weekly",
        "Thursday",
        "10:00",
        "Europe/Berlin",
        version.sha256,
        f"Version {version.number}",
        MANAGER.name,
        MEMBER.name,
        SKIP.name,
        *(person.name for person in HR),
    ]
    missing = [value for value in expected if value.lower() not in text.lower()]
    assert missing == []
    for heading in ("Signatures", "Check-ins", "Review"):
        assert f"## {heading}\n" not in text
        assert f"<h2>{heading}</h2>" not in text


def test_the_document_is_shared_with_exactly_the_requested_roles(
    documents: DocumentActivities, version: PlanVersion, parties: Parties, tmp_path: Path
) -> None:
    draft = version_of(version.content, number=1)
    aligned = publish(
        documents,
        request(draft, parties, Phase.alignment, [Role.manager, Role.skip_level, Role.hr]),
    )
    shared = publish(documents, request(version, parties, Phase.co_authoring, ALL_ROLES))

    hr_emails = [person.email for person in HR]
    assert aligned.shared_with == [MANAGER.email, SKIP.email, *hr_emails]
    assert shared.shared_with == [MANAGER.email, MEMBER.email, SKIP.email, *hr_emails]
    assert sharing(tmp_path) == {"1": aligned.shared_with, "2": shared.shared_with}


def test_the_team_member_never_sees_the_alignment_draft(
    documents: DocumentActivities, version: PlanVersion, parties: Parties, tmp_path: Path
) -> None:
    with pytest.raises(IntegrationFailure, match="team member") as refused:
        publish(documents, request(version, parties, Phase.alignment, [Role.team_member]))

    assert refused.value.kind == REFUSED
    assert not (tmp_path / "documents").exists()


def test_a_hash_that_does_not_match_the_content_is_refused(
    documents: DocumentActivities, version: PlanVersion, parties: Parties, tmp_path: Path
) -> None:
    forged = version.model_copy(update={"sha256": "0" * 64})

    with pytest.raises(ApplicationError, match="SHA-256") as refused:
        publish(documents, request(forged, parties))

    assert refused.value.non_retryable
    assert not (tmp_path / "documents").exists()


@pytest.mark.parametrize("suffix", [".html", ".md"])
def test_signatures_check_ins_and_review_appear_when_given(
    documents: DocumentActivities, version: PlanVersion, parties: Parties, suffix: str
) -> None:
    signed_at = datetime(2026, 10, 12, 8, 15, tzinfo=UTC)
    signatures = [
        Signature(
            role=Role.manager,
            email=MANAGER.email,
            name=MANAGER.name,
            intent=SIGNING_INTENT,
            version=1,
            sha256="a" * 64,
            signed_at=signed_at,
            voided_at=datetime(2026, 10, 12, 9, 0, tzinfo=UTC),
            voided_because="version 2 changed the plan",
        ),
        Signature(
            role=Role.team_member,
            email=MEMBER.email,
            name=MEMBER.name,
            intent=SIGNING_INTENT,
            version=version.number,
            sha256=version.sha256,
            signed_at=signed_at,
        ),
    ]
    check_ins = [
        CheckIn(
            number=1,
            due_at=datetime(2026, 10, 15, 8, 0, tzinfo=UTC),
            status=CheckInStatus.recorded,
            progress=[
                ActivityProgress(
                    activity_id="a1", status="in_progress", note="Template outline agreed"
                )
            ],
            support=[SupportDelivery(support_id="s2", delivered=False, note="Manager was away")],
            feedback="Good first draft, name the risks earlier",
            adjustments="Move the review of updates to Tuesdays",
            recorded_at=datetime(2026, 10, 15, 9, 0, tzinfo=UTC),
            team_member_notes=[
                Note(
                    author=MEMBER.email,
                    text="I need the roadmap access first",
                    at=datetime(2026, 10, 15, 12, 0, tzinfo=UTC),
                )
            ],
        ),
        CheckIn(
            number=2,
            due_at=datetime(2026, 10, 23, 8, 0, tzinfo=UTC),
            occurrence_at=datetime(2026, 10, 22, 8, 0, tzinfo=UTC),
            moved_because="Thursday is a holiday",
        ),
        CheckIn(
            number=3,
            due_at=datetime(2026, 10, 29, 9, 0, tzinfo=UTC),
            status=CheckInStatus.skipped,
            skipped_because="Team offsite",
        ),
    ]
    review = Review(
        outcome=ReviewOutcome.partially_achieved,
        achievements="Three of four weekly updates went out on time",
        next_steps="Keep the template and add a decisions log",
        evidence=ReviewForm(
            activities=[
                ActivityEvidence(
                    activity_id="a1",
                    description="Draft an update template together with the manager",
                    status="done",
                    notes=[],
                )
            ],
            support=[
                SupportEvidence(
                    support_id="s2",
                    kind="manager_assistance",
                    description="Review of the first two updates",
                    delivered=1,
                    not_delivered=1,
                    notes=[],
                )
            ],
            check_ins_recorded=3,
            check_ins_missed=1,
            feedback=[],
            team_member_notes=[],
            suggested_outcome=ReviewOutcome.partially_achieved,
        ),
        submitted_by=MANAGER.email,
        submitted_at=datetime(2026, 11, 12, 10, 0, tzinfo=UTC),
        team_member_comment=Note(
            author=MEMBER.email,
            text="The decisions log was my idea and I want to own it",
            at=datetime(2026, 11, 13, 9, 0, tzinfo=UTC),
        ),
    )

    text = read_text(
        publish(
            documents,
            request(
                version,
                parties,
                Phase.closed,
                signatures=signatures,
                check_ins=check_ins,
                review=review,
            ),
        ),
        suffix,
    )

    expected = [
        SIGNING_INTENT,
        MEMBER.email,
        "a" * 64,
        "2026-10-12 10:15 (Europe/Berlin)",
        "Voided 2026-10-12 11:00 (Europe/Berlin): version 2 changed the plan",
        "Valid",
        "Check-in 1",
        "2026-10-15 10:00 (Europe/Berlin)",
        "Recorded",
        "Template outline agreed",
        "not delivered",
        "Manager was away",
        "Good first draft, name the risks earlier",
        "Move the review of updates to Tuesdays",
        "I need the roadmap access first",
        "Partially achieved",
        "Three of four weekly updates went out on time",
        "Keep the template and add a decisions log",
        "Check-ins recorded: 3; missed: 1; skipped: 0",
        "Moved from 2026-10-22 10:00 (Europe/Berlin): Thursday is a holiday",
        "Skipped: Team offsite",
        "delivered 1, not delivered 1",
        "The decisions log was my idea and I want to own it",
    ]
    missing = [value for value in expected if value not in text]
    assert missing == []


def test_rendering_the_same_version_twice_gives_the_same_files(
    documents: DocumentActivities, version: PlanVersion, parties: Parties, tmp_path: Path
) -> None:
    folder = tmp_path / "documents" / PLAN_ID
    first = publish(documents, request(version, parties))
    files = {path.name: path.read_bytes() for path in folder.iterdir()}

    again = publish(documents, request(version, parties))

    assert again == first
    assert {path.name: path.read_bytes() for path in folder.iterdir()} == files
    assert sorted(files) == ["sharing.json", "v2.html", "v2.md"]


def test_people_s_text_cannot_inject_markup(
    documents: DocumentActivities, content: PlanContent, parties: Parties
) -> None:
    hostile = content.model_copy(
        update={
            "development_area": "Writing <script>alert('plan')</script> for the #1 release",
        }
    )
    published = publish(documents, request(version_of(hostile), parties))
    raw_html = Path(urlparse(published.uri).path).read_text()
    markdown = read_text(published, ".md")

    assert "<script>" not in raw_html
    assert "&lt;script&gt;alert(&#39;plan&#39;)&lt;/script&gt;" in raw_html
    assert "<script>" not in markdown
    assert r"\<script\>" in markdown
