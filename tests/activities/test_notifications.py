"""Notices reach exactly the plan's parties asked for, once per event."""

from __future__ import annotations

from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from pathlib import Path
from typing import cast

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.notifications import (
    CONFIDENTIALITY_LINE,
    Notice,
    NoticeKind,
    NotificationActivities,
    SentNotice,
)
from coaching.org import Parties
from coaching.plan import Role
from integrations.local.mail import OutboxMailer
from tests.activities.conftest import HR, MANAGER, MEMBER, SKIP

PLAN_ID = "p1a2b3c4"


def notice(
    parties: Parties, to: list[Role], event_id: str = "007-reminder", **changes: str
) -> Notice:
    return Notice.model_validate(
        {
            "plan_id": PLAN_ID,
            "event_id": event_id,
            "kind": NoticeKind.reminder,
            "to": to,
            "parties": parties,
            "subject": "Reminder: a coaching plan is waiting for you",
            "body": "The plan is in signing and waits for you to sign the final version.",
            **changes,
        }
    )


def send(notifications: NotificationActivities, message: Notice) -> SentNotice:
    return ActivityEnvironment().run(notifications.send_notification, message)


def outbox(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "outbox"
    return sorted(folder.iterdir()) if folder.exists() else []


def read_message(path: Path) -> EmailMessage:
    return cast(EmailMessage, BytesParser(policy=default).parsebytes(path.read_bytes()))


def addresses(message: EmailMessage) -> list[str]:
    return [address.addr_spec for address in message["To"].addresses]


@pytest.mark.parametrize(
    ("to", "expected"),
    [
        ([Role.manager], [MANAGER.email]),
        ([Role.team_member, Role.manager], [MEMBER.email, MANAGER.email]),
        ([Role.skip_level, Role.hr], [SKIP.email, *(person.email for person in HR)]),
    ],
)
def test_the_message_goes_to_exactly_the_parties_in_the_roles_asked_for(
    notifications: NotificationActivities,
    parties: Parties,
    tmp_path: Path,
    to: list[Role],
    expected: list[str],
) -> None:
    sent = send(notifications, notice(parties, to))
    [path] = outbox(tmp_path)
    message = read_message(path)

    assert addresses(message) == expected == sent.recipients
    assert set(addresses(message)) <= {person.email for person in parties.everyone}
    assert message["Subject"] == "[Coaching plan] Reminder: a coaching plan is waiting for you"
    assert message["Message-ID"] == f"<{PLAN_ID}-007-reminder@coachplan.invalid>"
    assert message["From"] == "coachplan@coachplan.invalid"
    body = message.get_content()
    assert "waits for you to sign the final version" in body
    assert CONFIDENTIALITY_LINE in body
    assert f"Open the plan: http://localhost:8000/plans/{PLAN_ID}" in body
    assert "coachplan" not in body.replace("@coachplan", "")
    assert sent.uri == path.resolve().as_uri()
    assert path.name == f"{sent.message_id}.eml"


def test_the_link_follows_the_configured_address(parties: Parties, tmp_path: Path) -> None:
    notifications = NotificationActivities(OutboxMailer(tmp_path), "https://coach.example.com/")

    send(notifications, notice(parties, [Role.manager]))

    body = read_message(outbox(tmp_path)[0]).get_content()
    assert f"Open the plan: https://coach.example.com/plans/{PLAN_ID}\n" in body


def test_a_person_in_two_roles_gets_one_copy(parties: Parties, tmp_path: Path) -> None:
    small_company = parties.model_copy(update={"hr": [SKIP.model_copy()]})
    notifications = NotificationActivities(OutboxMailer(tmp_path))

    sent = send(notifications, notice(small_company, [Role.skip_level, Role.hr, Role.manager]))

    assert sent.recipients == [SKIP.email, MANAGER.email]
    assert addresses(read_message(outbox(tmp_path)[0])) == [SKIP.email, MANAGER.email]


def test_sending_the_same_event_again_writes_no_second_message(
    notifications: NotificationActivities, parties: Parties, tmp_path: Path
) -> None:
    first = send(notifications, notice(parties, [Role.manager]))
    written = outbox(tmp_path)[0].read_bytes()

    again = send(notifications, notice(parties, [Role.manager]))

    assert again == first
    assert len(outbox(tmp_path)) == 1
    assert outbox(tmp_path)[0].read_bytes() == written


def test_a_notice_to_nobody_is_refused(
    notifications: NotificationActivities, parties: Parties, tmp_path: Path
) -> None:
    with pytest.raises(ApplicationError, match="addressed to nobody") as refused:
        send(notifications, notice(parties, []))

    assert refused.value.non_retryable
    assert outbox(tmp_path) == []


def test_event_ids_become_safe_message_ids_and_subjects_stay_one_line(
    notifications: NotificationActivities, parties: Parties, tmp_path: Path
) -> None:
    sent = send(
        notifications,
        notice(parties, [Role.hr], event_id="../12/escalation:signing", subject="Stalled\nplan"),
    )

    assert sent.message_id == f"{PLAN_ID}-..-12-escalation-signing"
    [path] = outbox(tmp_path)
    assert path.parent == tmp_path / "outbox"
    assert read_message(path)["Subject"] == "[Coaching plan] Stalled plan"
