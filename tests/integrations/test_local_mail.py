"""The outbox mailer: one .eml per message id, readable by any mail client."""

from __future__ import annotations

from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from pathlib import Path
from typing import cast

import pytest

from coaching.org import Person
from integrations.local.mail import OutboxMailer
from integrations.mail import OutgoingMessage

MANAGER = Person(id="mia", name="Mia Manager", email="mia@example.com")
HR = Person(id="hana", name="Hana HR", email="hana@example.com")


def message(message_id: str = "abc123-001-milestone", text: str = "Signed.") -> OutgoingMessage:
    return OutgoingMessage(
        message_id=message_id,
        to=[MANAGER, HR],
        subject="Plan signed",
        text=text,
        html=f"<p>{text}</p>",
    )


def parse(path: Path) -> EmailMessage:
    return cast(EmailMessage, BytesParser(policy=default).parsebytes(path.read_bytes()))


def parts(sent: EmailMessage) -> list[tuple[str, str]]:
    return [(part.get_content_type(), part.get_content()) for part in sent.iter_parts()]


def test_a_message_is_an_eml_file_with_the_right_headers(tmp_path: Path) -> None:
    uri = OutboxMailer(tmp_path, sender="plans@acme.example").send(message())
    path = tmp_path / "outbox" / "abc123-001-milestone.eml"

    sent = parse(path)
    assert uri == path.resolve().as_uri()
    assert sent["From"] == "plans@acme.example"
    assert [(a.display_name, a.addr_spec) for a in sent["To"].addresses] == [
        (MANAGER.name, MANAGER.email),
        (HR.name, HR.email),
    ]
    assert sent["Subject"] == "Plan signed"
    assert sent["Message-ID"] == "<abc123-001-milestone@coachplan.invalid>"
    assert sent["Date"] is not None


def test_a_message_carries_its_text_first_then_its_html(tmp_path: Path) -> None:
    OutboxMailer(tmp_path).send(message())

    sent = parse(tmp_path / "outbox" / "abc123-001-milestone.eml")
    assert sent.get_content_type() == "multipart/alternative"
    assert parts(sent) == [("text/plain", "Signed.\n"), ("text/html", "<p>Signed.</p>\n")]
    body = sent.get_body(preferencelist=("html", "plain"))
    assert body is not None
    assert body.get_content_type() == "text/html"


def test_names_that_need_quoting_or_encoding_stay_names(tmp_path: Path) -> None:
    lena = Person(id="lena", name="Müller, Lena", email="lena@example.com")

    OutboxMailer(tmp_path).send(message().model_copy(update={"to": [lena]}))

    path = tmp_path / "outbox" / "abc123-001-milestone.eml"
    assert path.read_bytes().isascii()
    [address] = parse(path)["To"].addresses
    assert (address.display_name, address.addr_spec) == ("Müller, Lena", "lena@example.com")


def test_a_message_id_is_delivered_once(tmp_path: Path) -> None:
    mailer = OutboxMailer(tmp_path)
    first = mailer.send(message(text="first"))

    again = mailer.send(message(text="second"))

    assert again == first
    [path] = (tmp_path / "outbox").iterdir()
    assert parts(parse(path))[0] == ("text/plain", "first\n")


def test_a_message_to_nobody_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no recipients"):
        OutboxMailer(tmp_path).send(message().model_copy(update={"to": []}))
    assert not (tmp_path / "outbox").exists()


@pytest.mark.parametrize("message_id", ["../x", "a b", ".hidden"])
def test_a_message_id_that_is_not_a_file_name_is_refused(tmp_path: Path, message_id: str) -> None:
    with pytest.raises(ValueError, match="not usable as a file name"):
        OutboxMailer(tmp_path).send(message(message_id))
