"""Each party in the roles asked for gets one message they can act on, in their own zone."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from pathlib import Path
from typing import Any, cast

import pytest
from temporalio.client import WorkflowHistory
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.notifications import CONFIDENTIALITY_LINE, NotificationActivities, SentNotice
from coaching.notices import CheckInMoment, Notice, NoticeKind
from coaching.org import Parties
from coaching.plan import Role
from coaching.status import Obligation, Outcome, Phase
from integrations.failures import IntegrationFailure
from integrations.local.mail import OutboxMailer
from integrations.recipients import REFUSED
from tests.activities.conftest import END, HR, MANAGER, MEMBER, SKIP, START
from tests.payload_keys import TEST_CONVERTER

PLAN_ID = "p1a2b3c4"
PLAN_URL = f"http://localhost:8000/plans/{PLAN_ID}"
HISTORIES = Path(__file__).parent.parent / "histories"

MARA = MANAGER.model_copy(update={"time_zone": "Europe/Berlin"})
TOM = MEMBER.model_copy(update={"time_zone": "Europe/Berlin"})
SOFIA = SKIP.model_copy(update={"time_zone": "America/New_York"})
HANA = HR[0]
"""No zone, as in a plan started before zones were known: she reads UTC."""
RAVI = HR[1].model_copy(update={"time_zone": "Asia/Tokyo"})
PEOPLE = [MARA, TOM, SOFIA, HANA, RAVI]

DUE = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
CHECK_IN_1 = datetime(2026, 10, 15, 8, 0, tzinfo=UTC)
"""Thursday 10:00 in Berlin, where the check-ins are agreed; 04:00 in New York."""
CHECK_IN_2 = datetime(2026, 10, 22, 8, 0, tzinfo=UTC)

EMAIL_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
SHA256 = re.compile(r"\b[0-9a-f]{64}\b")


@pytest.fixture
def parties() -> Parties:
    return Parties(manager=MARA, team_member=TOM, skip_level=SOFIA, hr=[HANA, RAVI])


def owes(role: Role, action: str, due: datetime | None = DUE, optional: bool = False) -> Obligation:
    people = {
        Role.manager: [MARA],
        Role.team_member: [TOM],
        Role.skip_level: [SOFIA],
        Role.hr: [HANA, RAVI],
    }[role]
    return Obligation(
        role=role, who=[p.email for p in people], action=action, due=due, optional=optional
    )


EVERY_KIND: dict[NoticeKind, tuple[dict[str, Any], dict[str, list[str]]]] = {
    NoticeKind.alignment_requested: (
        {
            "to": [Role.skip_level],
            "phase": Phase.alignment,
            "version": 1,
            "actor": MARA.email,
            "owed": [owes(Role.skip_level, "approve version 1 or request changes")],
        },
        {
            SOFIA.id: [
                "Mara Keller drafted a coaching plan for Tom Nguyen",
                "- Approve version 1 or request changes by Tuesday 8 December 2026, 04:00 "
                "(America/New_York).",
            ]
        },
    ),
    NoticeKind.changes_requested: (
        {
            "to": [Role.manager],
            "phase": Phase.alignment,
            "version": 1,
            "actor": SOFIA.email,
            "text": "Name the reviewers and the dates.",
            "owed": [owes(Role.manager, "revise the draft (changes requested)")],
        },
        {
            MARA.id: [
                "Sofia Brandt read the draft of the coaching plan for Tom Nguyen",
                "> Name the reviewers and the dates.",
                "- Revise the draft (changes requested) by Tuesday 8 December 2026, 10:00 "
                "(Europe/Berlin).",
            ]
        },
    ),
    NoticeKind.draft_revised: (
        {
            "to": [Role.skip_level],
            "phase": Phase.alignment,
            "version": 2,
            "actor": MARA.email,
            "text": "Reviewers and dates named",
        },
        {SOFIA.id: ["Mara Keller revised the draft", "version 2", "> Reviewers and dates named"]},
    ),
    NoticeKind.co_authoring_opened: (
        {
            "to": [Role.team_member, Role.manager],
            "phase": Phase.co_authoring,
            "version": 2,
            "actor": SOFIA.email,
            "starts_on": START,
            "ends_on": END,
            "owed": [
                owes(Role.manager, "propose changes or mark version 2 ready"),
                owes(Role.team_member, "propose changes or mark version 2 ready"),
            ],
        },
        {
            TOM.id: [
                "Mara Keller, your manager, has started a coaching plan with you",
                "an investment in your growth",
                "growth, support and clear expectations",
                "not a disciplinary step",
                "Mara Keller's proposal, nothing more: you are a co-author",
                "from Wednesday 14 October 2026 to Thursday 12 November 2026",
                "- Propose changes or mark version 2 ready by Tuesday 8 December 2026, 10:00 "
                "(Europe/Berlin).",
            ],
            MARA.id: ["Sofia Brandt approved the draft", "shared with Tom Nguyen"],
        },
    ),
    NoticeKind.proposal: (
        {
            "to": [Role.manager],
            "phase": Phase.co_authoring,
            "version": 3,
            "actor": TOM.email,
            "activities": [
                "Draft an update template together with the manager",
                "Write a one-page summary for support",
            ],
            "text": "Support asked for a summary.",
            "owed": [owes(Role.manager, "propose changes or mark version 3 ready")],
        },
        {
            MARA.id: [
                "Tom Nguyen proposed version 3 of their coaching plan, with these activities:",
                "- Draft an update template together with the manager",
                "- Write a one-page summary for support",
                "> Support asked for a summary.",
            ]
        },
    ),
    NoticeKind.signing_requested: (
        {
            "to": [Role.manager, Role.team_member],
            "phase": Phase.signing,
            "version": 3,
            "actor": MARA.email,
            "owed": [
                owes(Role.manager, "sign version 3"),
                owes(Role.team_member, "sign version 3"),
            ],
        },
        {
            TOM.id: [
                "Mara Keller and you both marked version 3 of your coaching plan ready",
                "decline with a comment",
                "- Sign version 3 by Tuesday 8 December 2026, 10:00 (Europe/Berlin).",
            ]
        },
    ),
    NoticeKind.declined: (
        {
            "to": [Role.hr, Role.manager, Role.skip_level],
            "phase": Phase.co_authoring,
            "version": 3,
            "actor": TOM.email,
            "text": "The dates clash with my on-call weeks.",
        },
        {
            HANA.id: [
                "Tom Nguyen declined to sign version 3 of the coaching plan Mara Keller started",
                "> The dates clash with my on-call weeks.",
                "back in co-authoring",
            ]
        },
    ),
    NoticeKind.plan_active: (
        {
            "to": [Role.hr, Role.skip_level, Role.team_member],
            "phase": Phase.active,
            "version": 3,
            "actor": TOM.email,
            "starts_on": START,
            "ends_on": END,
            "check_in": CheckInMoment(number=1, at=CHECK_IN_1),
        },
        {
            SOFIA.id: [
                "runs from Wednesday 14 October 2026 to Thursday 12 November 2026",
                "The first check-in is on Thursday 15 October 2026, 04:00 (America/New_York), "
                "agreed as Thursday 15 October 2026, 10:00 (Europe/Berlin).",
            ],
            HANA.id: ["Thursday 15 October 2026, 08:00 (UTC), agreed as Thursday 15 October"],
            TOM.id: [
                "The first check-in is on Thursday 15 October 2026, 10:00 (Europe/Berlin).",
                "The check-ins are in your calendar.",
            ],
        },
    ),
    NoticeKind.check_in_overdue: (
        {
            "to": [Role.manager],
            "phase": Phase.active,
            "version": 3,
            "actor": "system",
            "check_in": CheckInMoment(number=2, at=CHECK_IN_2),
            "owed": [owes(Role.manager, "record check-in 2", CHECK_IN_2 + timedelta(days=1))],
        },
        {
            MARA.id: [
                "Check-in 2 of the coaching plan for Tom Nguyen was due on Thursday 22 October "
                "2026, 10:00 (Europe/Berlin)",
                "- Record check-in 2 by Friday 23 October 2026, 10:00 (Europe/Berlin).",
            ]
        },
    ),
    NoticeKind.check_in_recorded: (
        {
            "to": [Role.team_member],
            "phase": Phase.active,
            "version": 3,
            "actor": MARA.email,
            "check_in": CheckInMoment(number=1, at=CHECK_IN_1),
        },
        {
            TOM.id: [
                "Mara Keller recorded the notes of check-in 1 of your coaching plan",
                "add your own notes to it on the plan page",
            ]
        },
    ),
    NoticeKind.check_in_moved: (
        {
            "to": [Role.team_member, Role.skip_level],
            "phase": Phase.active,
            "version": 3,
            "actor": MARA.email,
            "text": "A customer workshop takes Thursday.",
            "check_in": CheckInMoment(
                number=2, at=CHECK_IN_2 + timedelta(days=1), previous_at=CHECK_IN_2
            ),
        },
        {
            SOFIA.id: [
                "Mara Keller moved check-in 2 of the coaching plan for Tom Nguyen, because:",
                "> A customer workshop takes Thursday.",
                "It is now on Friday 23 October 2026, 04:00 (America/New_York), agreed as "
                "Friday 23 October 2026, 10:00 (Europe/Berlin).",
                "It was on Thursday 22 October 2026, 04:00 (America/New_York), agreed as "
                "Thursday 22 October 2026, 10:00 (Europe/Berlin).",
            ]
        },
    ),
    NoticeKind.check_in_skipped: (
        {
            "to": [Role.team_member],
            "phase": Phase.active,
            "version": 3,
            "actor": MARA.email,
            "text": "Public holiday.",
            "check_in": CheckInMoment(number=3, at=datetime(2026, 10, 29, 9, 0, tzinfo=UTC)),
        },
        {
            TOM.id: [
                "Mara Keller cancelled check-in 3 of your coaching plan, planned for Thursday "
                "29 October 2026, 10:00 (Europe/Berlin), because:",
                "> Public holiday.",
            ]
        },
    ),
    NoticeKind.check_in_declined: (
        {
            "to": [Role.manager],
            "phase": Phase.active,
            "version": 3,
            "actor": TOM.email,
            "check_in": CheckInMoment(number=3, at=datetime(2026, 10, 29, 9, 0, tzinfo=UTC)),
        },
        {
            MARA.id: [
                "Tom Nguyen declined the invitation to check-in 3 of the coaching plan for Tom "
                "Nguyen, on Thursday 29 October 2026, 10:00 (Europe/Berlin).",
                "Please move it to a time that suits you both, or skip it with a reason, on the "
                "plan page.",
            ]
        },
    ),
    NoticeKind.review_due: (
        {
            "to": [Role.manager],
            "phase": Phase.review,
            "version": 3,
            "ends_on": END,
            "owed": [owes(Role.manager, "submit the review or extend the plan")],
        },
        {
            MARA.id: [
                "reached its end date, Thursday 12 November 2026",
                "pre-filled from the check-ins",
                "- Submit the review or extend the plan by Tuesday 8 December 2026, 10:00 "
                "(Europe/Berlin).",
            ]
        },
    ),
    NoticeKind.review_submitted: (
        {
            "to": [Role.team_member],
            "phase": Phase.review,
            "version": 3,
            "actor": MARA.email,
            "outcome": Outcome.achieved,
            "owed": [owes(Role.team_member, "comment on the review", optional=True)],
        },
        {
            TOM.id: [
                "Mara Keller submitted the review of your coaching plan: the goal was achieved.",
                "- Comment on the review until Tuesday 8 December 2026, 10:00 (Europe/Berlin), "
                "if you wish.",
            ]
        },
    ),
    NoticeKind.reminder: (
        {
            "to": [Role.team_member],
            "phase": Phase.signing,
            "version": 3,
            "owed": [owes(Role.team_member, "sign version 3")],
            "escalates_at": DUE + timedelta(days=2),
            "escalate_to": [Role.skip_level, Role.hr],
        },
        {
            TOM.id: [
                "your coaching plan is waiting for a step from you",
                "- Sign version 3 by Tuesday 8 December 2026, 10:00 (Europe/Berlin).",
                "If it is still open on Thursday 10 December 2026, 10:00 (Europe/Berlin), the "
                "manager's manager and HR are asked to help it move on.",
            ]
        },
    ),
    NoticeKind.escalation: (
        {
            "to": [Role.skip_level, Role.hr],
            "phase": Phase.review,
            "version": 3,
            "owed": [owes(Role.manager, "submit the review or extend the plan")],
            "waiting_since": datetime(2026, 11, 12, 9, 0, tzinfo=UTC),
            "closes_at": datetime(2026, 11, 26, 9, 0, tzinfo=UTC),
        },
        {
            SOFIA.id: [
                "The coaching plan Mara Keller started for Tom Nguyen has been waiting since "
                "Thursday 12 November 2026, 04:00 (America/New_York) for:",
                "- Mara Keller (the manager) to submit the review or extend the plan, due "
                "Tuesday 8 December 2026, 04:00 (America/New_York)",
                "Please help it move on",
                "If nobody acts, the plan closes without a review on Thursday 26 November 2026, "
                "04:00 (America/New_York).",
            ],
            RAVI.id: ["since Thursday 12 November 2026, 18:00 (Asia/Tokyo)"],
        },
    ),
    NoticeKind.extended: (
        {
            "to": [Role.team_member, Role.skip_level, Role.hr],
            "phase": Phase.active,
            "version": 3,
            "actor": MARA.email,
            "ends_on": date(2026, 12, 10),
            "text": "Two more stakeholder reviews are planned.",
        },
        {
            TOM.id: [
                "Mara Keller extended your coaching plan to Thursday 10 December 2026, because:",
                "> Two more stakeholder reviews are planned.",
            ]
        },
    ),
    NoticeKind.closed: (
        {
            "to": list(Role),
            "phase": Phase.closed,
            "version": 3,
            "actor": "system",
            "outcome": Outcome.partially_achieved,
        },
        {
            TOM.id: ["Your coaching plan is closed: the goal was partially achieved."],
            HANA.id: ["The coaching plan for Tom Nguyen is closed"],
        },
    ),
    NoticeKind.cancelled: (
        {
            "to": list(Role),
            "phase": Phase.cancelled,
            "version": 3,
            "actor": HANA.email,
            "text": "Tom moves to another team.",
        },
        {
            TOM.id: [
                "Hana Ito cancelled your coaching plan, because:",
                "> Tom moves to another team.",
            ],
            HANA.id: ["You cancelled the coaching plan for Tom Nguyen"],
        },
    ),
}


def notice(parties: Parties, kind: NoticeKind, event_id: str = "", **fields: Any) -> Notice:
    return Notice.model_validate(
        {
            "plan_id": PLAN_ID,
            "event_id": event_id or f"007-{kind.value}",
            "kind": kind,
            "parties": parties,
            "phase": Phase.active,
            "version": 3,
            **fields,
        }
    )


def send(notifications: NotificationActivities, message: Notice) -> SentNotice:
    return ActivityEnvironment().run(notifications.send_notification, message)


def outbox(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "outbox"
    return sorted(folder.iterdir()) if folder.exists() else []


def read_message(path: Path) -> EmailMessage:
    return cast(EmailMessage, BytesParser(policy=default).parsebytes(path.read_bytes()))


def parts(message: EmailMessage) -> tuple[str, str]:
    """The plain text and the HTML, in that order, and nothing else."""
    assert message.get_content_type() == "multipart/alternative"
    plain, rich = message.iter_parts()
    assert (plain.get_content_type(), rich.get_content_type()) == ("text/plain", "text/html")
    return plain.get_content(), rich.get_content()


def words(rich: str) -> str:
    """What a person reads in the HTML part: no tags, entities resolved, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", rich)).split())


def sent_to(tmp_path: Path) -> dict[str, EmailMessage]:
    """Each message in the outbox, by the id of the one person it is addressed to."""
    messages = {}
    for path in outbox(tmp_path):
        message = read_message(path)
        [address] = message["To"].addresses
        [person] = [p for p in PEOPLE if p.email == address.addr_spec]
        assert address.display_name == person.name
        messages[person.id] = message
    return messages


def test_every_kind_of_notice_has_its_case_here() -> None:
    assert set(EVERY_KIND) == set(NoticeKind)


@pytest.mark.parametrize("kind", list(NoticeKind))
def test_every_kind_reaches_each_person_as_a_message_they_can_act_on(
    notifications: NotificationActivities, parties: Parties, tmp_path: Path, kind: NoticeKind
) -> None:
    fields, phrases = EVERY_KIND[kind]
    sent = send(notifications, notice(parties, kind, **fields))

    expected = {p.email: p for role in fields["to"] for p in parties.person(role)}
    messages = sent_to(tmp_path)
    assert sorted(messages) == sorted(p.id for p in expected.values())
    assert sent.recipients == list(expected)
    actor = next((p for p in PEOPLE if p.email == fields.get("actor")), None)
    for person in expected.values():
        message = messages[person.id]
        text, rich = parts(message)
        readable = words(rich)
        assert (
            message["Message-ID"] == f"<{PLAN_ID}-007-{kind.value}-{person.id}@coachplan.invalid>"
        )
        assert text.startswith(f"Dear {person.name},\n")
        assert f"Dear {person.name}," in readable
        if actor is not None and actor != person:
            assert actor.name in text
            assert actor.name in readable
        assert f"Open the plan: {PLAN_URL}\n" in text
        assert f'<a href="{PLAN_URL}">' in rich
        assert text.endswith(f"\n-- \n{CONFIDENTIALITY_LINE}\n")
        assert CONFIDENTIALITY_LINE in readable
        for part in (text, rich):
            assert EMAIL_ADDRESS.search(part) is None
            assert SHA256.search(part) is None
        assert "<p>" not in text
        for phrase in phrases.get(person.id, []):
            assert phrase in text
            assert phrase.removeprefix("- ").removeprefix("> ") in readable
        assert_subject_tells_nothing_confidential(message["Subject"], parties, fields)


def assert_subject_tells_nothing_confidential(
    subject: str, parties: Parties, fields: dict[str, Any]
) -> None:
    assert subject.startswith("[Coaching plan] ")
    names = {part for person in parties.everyone for part in person.name.split()}
    assert not names & set(re.findall(r"[\w'-]+", subject)), subject
    if fields.get("text"):
        assert fields["text"] not in subject
    assert "achieved" not in subject.lower()
    assert "\n" not in subject


def test_each_person_reads_their_deadline_in_their_own_zone(
    notifications: NotificationActivities, parties: Parties, tmp_path: Path
) -> None:
    send(
        notifications,
        notice(
            parties,
            NoticeKind.reminder,
            to=[Role.team_member, Role.skip_level, Role.hr],
            owed=[
                owes(Role.team_member, "sign version 3"),
                owes(Role.skip_level, "approve version 3 or request changes"),
            ],
        ),
    )

    messages = {person: parts(message)[0] for person, message in sent_to(tmp_path).items()}
    assert (
        "- Sign version 3 by Tuesday 8 December 2026, 10:00 (Europe/Berlin).\n" in messages[TOM.id]
    )
    assert (
        "- Approve version 3 or request changes by Tuesday 8 December 2026, 04:00 "
        "(America/New_York).\n" in messages[SOFIA.id]
    )
    assert "Sign version 3" not in messages[SOFIA.id]
    assert "Approve version 3" not in messages[TOM.id]
    assert "What you are asked to do" not in messages[HANA.id]


def test_a_time_without_an_offset_is_read_as_utc(
    notifications: NotificationActivities, parties: Parties, tmp_path: Path
) -> None:
    naive = DUE.replace(tzinfo=None)

    send(
        notifications,
        notice(
            parties,
            NoticeKind.reminder,
            to=[Role.team_member],
            owed=[owes(Role.team_member, "sign version 3", naive)],
        ),
    )

    text, _ = parts(read_message(outbox(tmp_path)[0]))
    assert "- Sign version 3 by Tuesday 8 December 2026, 10:00 (Europe/Berlin).\n" in text


def test_a_check_in_shows_the_zone_it_was_agreed_in_when_the_team_member_has_none(
    notifications: NotificationActivities, parties: Parties, tmp_path: Path
) -> None:
    unzoned = parties.model_copy(update={"team_member": MEMBER})
    moment = CheckInMoment(number=1, at=CHECK_IN_1, time_zone="Europe/Berlin")

    send(
        notifications,
        notice(
            unzoned,
            NoticeKind.check_in_recorded,
            to=[Role.team_member, Role.skip_level],
            actor=MARA.email,
            check_in=moment,
        ),
    )

    messages = {person: parts(message)[0] for person, message in sent_to(tmp_path).items()}
    assert (
        "held on Thursday 15 October 2026, 08:00 (UTC), agreed as Thursday 15 October 2026, "
        "10:00 (Europe/Berlin)." in messages[TOM.id]
    )
    assert (
        "held on Thursday 15 October 2026, 04:00 (America/New_York), agreed as Thursday 15 "
        "October 2026, 10:00 (Europe/Berlin)." in messages[SOFIA.id]
    )


def test_a_person_in_two_roles_gets_one_message(parties: Parties, tmp_path: Path) -> None:
    small_company = parties.model_copy(update={"hr": [SOFIA]})
    notifications = NotificationActivities(OutboxMailer(tmp_path))

    sent = send(
        notifications,
        notice(
            small_company,
            NoticeKind.declined,
            to=[Role.skip_level, Role.hr, Role.manager],
            actor=TOM.email,
        ),
    )

    assert sent.recipients == [SOFIA.email, MARA.email]
    assert sorted(sent_to(tmp_path)) == [MARA.id, SOFIA.id]
    assert sent.message_id == f"{PLAN_ID}-007-declined-{SOFIA.id}"
    assert sent.uri == (tmp_path / "outbox" / f"{sent.message_id}.eml").resolve().as_uri()


def test_sending_the_same_event_again_writes_no_second_message(
    notifications: NotificationActivities, parties: Parties, tmp_path: Path
) -> None:
    cancelled = notice(parties, NoticeKind.cancelled, to=list(Role), actor=HANA.email)
    first = send(notifications, cancelled)
    written = {path.name: path.read_bytes() for path in outbox(tmp_path)}

    again = send(notifications, cancelled)

    assert again == first
    assert len(written) == len(PEOPLE)
    assert {path.name: path.read_bytes() for path in outbox(tmp_path)} == written


def test_the_link_follows_the_configured_address(parties: Parties, tmp_path: Path) -> None:
    notifications = NotificationActivities(OutboxMailer(tmp_path), "https://coach.example.com/")

    send(notifications, notice(parties, NoticeKind.review_due, to=[Role.manager]))

    text, rich = parts(read_message(outbox(tmp_path)[0]))
    assert f"Open the plan: https://coach.example.com/plans/{PLAN_ID}\n" in text
    assert f'<a href="https://coach.example.com/plans/{PLAN_ID}">' in rich


def test_what_people_wrote_is_text_in_both_parts(
    notifications: NotificationActivities, parties: Parties, tmp_path: Path
) -> None:
    comment = "Please <b>name</b> the reviewers & dates.\n\nAnd the budget."

    send(
        notifications,
        notice(
            parties,
            NoticeKind.changes_requested,
            to=[Role.manager],
            actor=SOFIA.email,
            text=comment,
        ),
    )

    text, rich = parts(read_message(outbox(tmp_path)[0]))
    assert "> Please <b>name</b> the reviewers & dates.\n>\n> And the budget.\n" in text
    assert "Please &lt;b&gt;name&lt;/b&gt; the reviewers &amp; dates.\n\nAnd the budget." in rich


def test_a_notice_to_nobody_is_refused(
    notifications: NotificationActivities, parties: Parties, tmp_path: Path
) -> None:
    with pytest.raises(ApplicationError, match="addressed to nobody") as refused:
        send(notifications, notice(parties, NoticeKind.closed, to=[]))

    assert refused.value.non_retryable
    assert outbox(tmp_path) == []


def test_the_team_member_never_hears_of_the_plan_during_alignment(
    notifications: NotificationActivities, parties: Parties, tmp_path: Path
) -> None:
    draft = notice(
        parties,
        NoticeKind.draft_revised,
        to=[Role.skip_level, Role.team_member],
        phase=Phase.alignment,
    )

    with pytest.raises(IntegrationFailure, match="in alignment") as refused:
        send(notifications, draft)

    assert refused.value.kind == REFUSED
    assert outbox(tmp_path) == []


def test_event_ids_become_safe_message_ids(
    notifications: NotificationActivities, parties: Parties, tmp_path: Path
) -> None:
    sent = send(
        notifications,
        notice(
            parties,
            NoticeKind.escalation,
            event_id="../12/escalation:signing",
            to=[Role.skip_level],
        ),
    )

    assert sent.message_id == f"{PLAN_ID}-..-12-escalation-signing-{SOFIA.id}"
    [path] = outbox(tmp_path)
    assert path.parent == tmp_path / "outbox"


def test_a_language_without_its_own_templates_reads_the_default_ones(
    parties: Parties, tmp_path: Path
) -> None:
    notifications = NotificationActivities(OutboxMailer(tmp_path), language="de")

    send(notifications, notice(parties, NoticeKind.review_due, to=[Role.manager]))

    text, _ = parts(read_message(outbox(tmp_path)[0]))
    assert text.startswith("Dear Mara Keller,\n")


async def test_results_recorded_by_the_old_activity_still_decode() -> None:
    """Recorded histories hold the one-message result; replaying them must still decode it."""
    decoded = []
    for path in sorted(HISTORIES.glob("*.json")):
        history = WorkflowHistory.from_json(path.stem, json.loads(path.read_text()))
        scheduled = {
            event.event_id
            for event in history.events
            if event.activity_task_scheduled_event_attributes.activity_type.name
            == "send_notification"
        }
        for event in history.events:
            completed = event.activity_task_completed_event_attributes
            if completed.scheduled_event_id in scheduled:
                [result] = await TEST_CONVERTER.decode(completed.result.payloads, [SentNotice])
                decoded.append(result)

    assert decoded
    assert all(isinstance(result, SentNotice) and result.recipients for result in decoded)
