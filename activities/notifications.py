"""Tells a plan's parties what happened and what they owe; never anyone else."""

from __future__ import annotations

import re
from enum import StrEnum

from temporalio import activity
from temporalio.exceptions import ApplicationError

from coaching.org import Parties
from coaching.plan import Role, StrictModel
from coaching.settings import DEFAULT_WEB_URL
from integrations.mail import Mailer, OutgoingMessage

SUBJECT_PREFIX = "[Coaching plan] "
CONFIDENTIALITY_LINE = (
    "This message is confidential to the four parties of this coaching plan: the team member, "
    "the manager, the manager's manager and HR. Please do not forward it."
)
_UNSAFE_ID_CHARACTERS = re.compile(r"[^A-Za-z0-9._-]+")


class NoticeKind(StrEnum):
    action_needed = "action_needed"
    reminder = "reminder"
    escalation = "escalation"
    milestone = "milestone"


class Notice(StrictModel):
    plan_id: str
    event_id: str
    kind: NoticeKind
    to: list[Role]
    parties: Parties
    subject: str
    body: str


class SentNotice(StrictModel):
    message_id: str
    uri: str
    recipients: list[str]


class NotificationActivities:
    def __init__(self, mailer: Mailer, web_url: str = DEFAULT_WEB_URL) -> None:
        self._mailer = mailer
        self._web_url = web_url.rstrip("/")

    @activity.defn
    def send_notification(self, notice: Notice) -> SentNotice:
        if not notice.to:
            raise ApplicationError(
                f"notice {notice.event_id} of plan {notice.plan_id} is addressed to nobody",
                type="NoRecipients",
                non_retryable=True,
            )
        recipients = list(
            {
                person.email: person for role in notice.to for person in notice.parties.person(role)
            }.values()
        )
        message = OutgoingMessage(
            message_id=_UNSAFE_ID_CHARACTERS.sub("-", f"{notice.plan_id}-{notice.event_id}"),
            to=recipients,
            subject=SUBJECT_PREFIX + " ".join(notice.subject.split()),
            text=(
                f"{notice.body.rstrip()}\n\nOpen the plan: "
                f"{self._web_url}/plans/{notice.plan_id}\n\n"
                f"-- \n{CONFIDENTIALITY_LINE}\n"
            ),
        )
        uri = self._mailer.send(message)
        activity.logger.info(
            "Sent %s notice %s of plan %s to %d people",
            notice.kind.value,
            message.message_id,
            notice.plan_id,
            len(recipients),
        )
        return SentNotice(
            message_id=message.message_id,
            uri=uri,
            recipients=[person.email for person in recipients],
        )
