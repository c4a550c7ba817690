"""Tells each of a plan's parties what happened and what they owe; never anyone else.

The workflow sends a typed `Notice`; the wording lives in `templates/notices/<kind>.j2`, one
template per kind for the subject, the plain text and the HTML, so it can change (or gain a
language) without touching the workflow or its recorded histories.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, Template
from markupsafe import Markup
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.threaded import threaded_activity
from coaching.notices import Notice
from coaching.org import Parties, Person
from coaching.plan import StrictModel
from coaching.settings import DEFAULT_WEB_URL
from integrations.mail import Mailer, OutgoingMessage
from integrations.recipients import Purpose, RecipientGate

DEFAULT_LANGUAGE = "en"
"""The language of the templates in `templates/notices/` itself; others live in subfolders."""
CONFIDENTIALITY_LINE = (
    "This message is confidential to the four parties of this coaching plan: the team member, "
    "the manager, the manager's manager and HR. Please do not forward it."
)
_UNSAFE_ID_CHARACTERS = re.compile(r"[^A-Za-z0-9._-]+")
_BLANK_LINES = re.compile(r"\n(?:[ \t]*\n){2,}")

Part = Literal["subject", "text", "html"]


class SentNotice(StrictModel):
    """What was sent. The first three fields are exactly what the activity returned before
    it wrote one message per person, so recorded histories still decode."""

    message_id: str
    """The first message's id."""
    uri: str
    """Where the first message went."""
    recipients: list[str]


def _one_line(value: str) -> str:
    """Templates wrap their sentences freely; a paragraph is one line of text."""
    if isinstance(value, Markup):
        return Markup(" ").join(value.split())
    return " ".join(value.split())


def _in_zone(moment: datetime, zone: ZoneInfo) -> datetime:
    """The workflow records UTC; a time without an offset is read as UTC too."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(zone)


def _environment(html: bool) -> Environment:
    environment = Environment(
        loader=PackageLoader("activities", "templates/notices"),
        autoescape=html,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    environment.filters.update(one_line=_one_line, in_zone=_in_zone)
    return environment


_TEXT = _environment(html=False)
_HTML = _environment(html=True)


def _template(environment: Environment, language: str, name: str) -> Template:
    """A language's own template where it has one, else the default language's."""
    return environment.select_template([f"{language}/{name}", name])


def _party(parties: Parties, email: str | None) -> Person | None:
    """Who did it, by name; None when the plan moved by itself ("system")."""
    if email is None:
        return None
    email = email.strip().lower()
    return next((person for person in parties.everyone if person.email == email), None)


def _refuse_invalid(notice: Notice) -> None:
    """Permanent mistakes: retrying would only repeat them."""
    if not notice.to:
        raise ApplicationError(
            f"notice {notice.event_id} of plan {notice.plan_id} is addressed to nobody",
            type="NoRecipients",
            non_retryable=True,
        )


def _recipients(notice: Notice) -> list[Person]:
    """Everyone in the roles asked for, once each: one person may hold two roles."""
    people = {person.email: person for role in notice.to for person in notice.parties.person(role)}
    return list(people.values())


class NotificationActivities:
    def __init__(
        self,
        mailer: Mailer,
        web_url: str = DEFAULT_WEB_URL,
        language: str = DEFAULT_LANGUAGE,
        gate: RecipientGate | None = None,
    ) -> None:
        self._mailer = mailer
        self._web_url = web_url.rstrip("/")
        self._language = language
        self._gate = gate or RecipientGate()

    @threaded_activity
    def send_notification(self, notice: Notice) -> SentNotice:
        """One message per person, each with its own id, so a retry sends nothing twice."""
        _refuse_invalid(notice)
        recipients = _recipients(notice)
        messages = [self._message(notice, person) for person in recipients]
        self._gate.admit(
            notice.plan_id,
            notice.parties,
            notice.phase,
            [person.email for message in messages for person in message.to],
            Purpose.message,
            team_member_included=notice.team_member_included,
        )
        uris = [self._mailer.send(message) for message in messages]
        activity.logger.info(
            "Sent %s notice %s of plan %s to %d people",
            notice.kind.value,
            notice.event_id,
            notice.plan_id,
            len(messages),
        )
        return SentNotice(
            message_id=messages[0].message_id,
            uri=uris[0],
            recipients=[person.email for person in recipients],
        )

    def _message(self, notice: Notice, recipient: Person) -> OutgoingMessage:
        context = self._context(notice, recipient)
        return OutgoingMessage(
            message_id=_UNSAFE_ID_CHARACTERS.sub(
                "-", f"{notice.plan_id}-{notice.event_id}-{recipient.id}"
            ),
            to=[recipient],
            subject=" ".join(self._render(_TEXT, notice, "subject", context).split()),
            text=self._render(_TEXT, notice, "text", context),
            html=self._render(_HTML, notice, "html", context),
        )

    def _render(
        self, environment: Environment, notice: Notice, part: Part, context: dict[str, Any]
    ) -> str:
        template = _template(environment, self._language, f"{notice.kind.value}.j2")
        layout = _template(environment, self._language, "_message.j2")
        rendered = template.render(context, layout=layout, part=part, html=environment is _HTML)
        return _BLANK_LINES.sub("\n\n", rendered).strip() + "\n"

    def _context(self, notice: Notice, recipient: Person) -> dict[str, Any]:
        """What a template may say to this person: their roles, what they owe, the names."""
        parties = notice.parties
        roles = parties.roles_of(recipient.email)
        agreed = notice.check_in.time_zone if notice.check_in is not None else None
        return {
            "notice": notice,
            "recipient": recipient,
            "roles": roles,
            "actor": _party(parties, notice.actor),
            "parties": parties,
            "manager": parties.manager,
            "team_member": parties.team_member,
            "skip_level": parties.skip_level,
            "mine": [o for o in notice.owed if o.role in roles],
            "others": [o for o in notice.owed if o.role not in roles],
            "agreed_zone": ZoneInfo(agreed) if agreed else parties.team_member.zone,
            "plan_url": f"{self._web_url}/plans/{notice.plan_id}",
            "confidentiality": CONFIDENTIALITY_LINE,
        }
