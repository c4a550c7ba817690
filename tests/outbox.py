"""The local outbox as the tests read it: each `.eml` parsed as a mail client would."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from pathlib import Path

from coaching.notices import NoticeKind


def messages(data_dir: Path) -> list[EmailMessage]:
    found = []
    for path in sorted((data_dir / "outbox").glob("*.eml")):
        parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        found.append(parsed)
    return found


def notices(data_dir: Path, to: str, kind: NoticeKind) -> list[EmailMessage]:
    """The messages of one kind of notice to the email `to`: the kind is in the message id."""
    return [
        m
        for m in messages(data_dir)
        if to in str(m["To"]) and f"-{kind.value}-" in str(m["Message-ID"])
    ]


def text_of(message: EmailMessage) -> str:
    """The plain-text part a mail client shows."""
    body = message.get_body(("plain",))
    assert body is not None, "the message has no plain-text part"
    return str(body.get_content())
