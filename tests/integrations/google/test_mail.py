"""The Gmail mailer against the fake Gmail: one message per id, even when an answer is lost."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from email.parser import BytesParser
from email.policy import default
from pathlib import Path
from typing import Any

import pytest

from coaching.org import Person
from integrations.failures import IntegrationFailure
from integrations.google.failures import execute
from integrations.google.mail import SENT_URL, GmailMailer, message_id_header
from integrations.google.workspace import GoogleWorkspace
from integrations.mail import OutgoingMessage
from tests.fake_google import FakeGoogle, running_fake_google

MAILBOX = "grace.liu@example.com"
MANAGER = Person(id="mia", name="Mia Manager", email="mia@example.com")
LENA = Person(id="lena", name="Müller, Lena", email="lena@example.com")
GMAIL_SEND = "https://www.googleapis.com/auth/gmail.send"
GMAIL_READONLY = "https://www.googleapis.com/auth/gmail.readonly"


@pytest.fixture
def google(tmp_path: Path) -> Iterator[tuple[FakeGoogle, GmailMailer]]:
    with running_fake_google() as (fake, url):
        workspace = GoogleWorkspace.from_key_file(fake.key_file(tmp_path / "key.json", url), url)
        yield fake, GmailMailer(workspace, MAILBOX)


def message(message_id: str = "abc123-001-milestone", text: str = "Signed.") -> OutgoingMessage:
    return OutgoingMessage(
        message_id=message_id,
        to=[MANAGER, LENA],
        subject="Plan signed",
        text=text,
        html=f"<p>{text}</p>",
    )


def sends(fake: FakeGoogle) -> int:
    return sum(call.path.endswith("/messages/send") for call in fake.calls_to("gmail"))


def test_a_message_is_sent_once_as_the_mailbox_with_text_and_html(
    google: tuple[FakeGoogle, GmailMailer],
) -> None:
    fake, mailer = google

    url = mailer.send(message())

    [sent] = fake.gmail.sent(MAILBOX)
    assert url == f"https://mail.google.com/mail/u/0/#sent/{sent.id}"
    assert sent.email["From"] == MAILBOX
    assert sent.to == [(MANAGER.name, MANAGER.email), (LENA.name, LENA.email)]
    assert sent.subject == "Plan signed"
    assert sent.message_id == "<abc123-001-milestone@coachplan>"
    assert sent.email.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in sent.email.iter_parts()] == [
        "text/plain",
        "text/html",
    ]
    assert (sent.text, sent.html) == ("Signed.\n", "<p>Signed.</p>\n")
    assert sends(fake) == 1


def test_the_raw_message_is_base64url_rfc_5322(
    google: tuple[FakeGoogle, GmailMailer], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Read off the wire, not from the fake's parse: what Google itself would decode."""
    fake, mailer = google
    bodies: list[str] = []

    def recording(request: Any, doing: str) -> Any:
        if request.methodId == "gmail.users.messages.send":
            bodies.append(request.body)
        return execute(request, doing)

    monkeypatch.setattr("integrations.google.mail.execute", recording)
    mailer.send(message())

    [body] = bodies
    raw = json.loads(body)["raw"]
    assert re.fullmatch(r"[A-Za-z0-9_-]+=*", raw)
    parsed = BytesParser(policy=default).parsebytes(base64.urlsafe_b64decode(raw))
    assert parsed["Message-ID"] == "<abc123-001-milestone@coachplan>"
    assert parsed["Subject"] == "Plan signed"
    assert parsed.get_body(preferencelist=("html",)) is not None
    assert len(fake.gmail.sent(MAILBOX)) == 1


def test_sending_the_same_message_id_again_sends_nothing(
    google: tuple[FakeGoogle, GmailMailer],
) -> None:
    fake, mailer = google

    first = mailer.send(message(text="first"))
    again = mailer.send(message(text="second"))

    assert again == first
    assert [sent.text for sent in fake.gmail.sent(MAILBOX)] == ["first\n"]
    assert sends(fake) == 1


def test_a_send_whose_answer_was_lost_is_not_sent_again_by_the_retry(
    google: tuple[FakeGoogle, GmailMailer], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Gmail sent the message, then the connection dropped before the answer arrived."""
    fake, mailer = google

    def answer_lost(request: Any, doing: str) -> Any:
        answer = execute(request, doing)
        if request.methodId == "gmail.users.messages.send":
            raise IntegrationFailure("connection reset", kind="GoogleUnreachable", retryable=True)
        return answer

    monkeypatch.setattr("integrations.google.mail.execute", answer_lost)
    with pytest.raises(IntegrationFailure) as lost:
        mailer.send(message())
    assert lost.value.retryable
    monkeypatch.setattr("integrations.google.mail.execute", execute)

    url = mailer.send(message())

    [sent] = fake.gmail.sent(MAILBOX)
    assert url == SENT_URL.format(gmail_id=sent.id)
    assert sends(fake) == 1


def test_a_rate_limit_is_retried_and_sends_nothing(google: tuple[FakeGoogle, GmailMailer]) -> None:
    fake, mailer = google
    fake.fail_next("gmail", 429, "rateLimitExceeded")

    with pytest.raises(IntegrationFailure) as failure:
        mailer.send(message())

    assert failure.value.retryable
    assert fake.gmail.sent(MAILBOX) == []
    mailer.send(message())
    assert len(fake.gmail.sent(MAILBOX)) == 1


def test_a_bad_request_is_not_retried(google: tuple[FakeGoogle, GmailMailer]) -> None:
    fake, mailer = google
    fake.fail_next("gmail", 400, "invalidArgument")

    with pytest.raises(IntegrationFailure) as failure:
        mailer.send(message())

    assert not failure.value.retryable
    assert failure.value.kind == "Google400"


def test_without_gmail_readonly_delegated_nothing_is_sent_blind(
    google: tuple[FakeGoogle, GmailMailer],
) -> None:
    """Sending without first searching could send twice: the missing scope stops the mailer."""
    fake, mailer = google
    fake.delegated_scopes = {GMAIL_SEND}

    with pytest.raises(IntegrationFailure) as failure:
        mailer.send(message())

    assert (failure.value.kind, failure.value.retryable) == ("GoogleDelegationRefused", False)
    assert fake.gmail.sent(MAILBOX) == []


def test_ids_differing_only_in_case_or_odd_characters_are_different_messages(
    google: tuple[FakeGoogle, GmailMailer],
) -> None:
    fake, mailer = google
    ids = ["plan-a", "Plan-A", "plan_a", "plan/a", "plan.a", ".plan..a."]

    for message_id in ids:
        mailer.send(message(message_id))

    headers = [sent.message_id for sent in fake.gmail.sent(MAILBOX)]
    assert headers == [message_id_header(message_id) for message_id in ids]
    assert len(set(headers)) == len(ids)
    for header in headers:
        assert re.fullmatch(r"<[a-z0-9_-]+(\.[a-z0-9_-]+)*@coachplan>", header), header


def test_a_message_without_recipients_is_refused(google: tuple[FakeGoogle, GmailMailer]) -> None:
    fake, mailer = google

    with pytest.raises(ValueError, match="no recipients"):
        mailer.send(message().model_copy(update={"to": []}))

    assert fake.calls_to("gmail") == []
