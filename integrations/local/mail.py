"""Messages as .eml files in an outbox folder: what would have been sent, for any mail client."""

from __future__ import annotations

from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from integrations.local.files import file_uri, safe_name, write_atomically
from integrations.mail import OutgoingMessage

DEFAULT_SENDER = "coachplan@coachplan.invalid"
MESSAGE_ID_DOMAIN = "coachplan.invalid"


class OutboxMailer:
    """Writes `root/outbox/<message_id>.eml`, once per message id: a multipart/alternative
    message, plain text first, so a client shows the richest part it can."""

    def __init__(self, root: Path, sender: str = DEFAULT_SENDER) -> None:
        self._folder = root / "outbox"
        self._sender = sender

    def send(self, message: OutgoingMessage) -> str:
        if not message.to:
            raise ValueError(f"message {message.message_id} has no recipients")
        path = self._folder / f"{safe_name(message.message_id, 'message id')}.eml"
        if not path.exists():
            write_atomically(path, self._email(message).as_bytes())
        return file_uri(path)

    def _email(self, message: OutgoingMessage) -> EmailMessage:
        return build_email(message, self._sender, f"<{message.message_id}@{MESSAGE_ID_DOMAIN}>")


def build_email(message: OutgoingMessage, sender: str, message_id_header: str) -> EmailMessage:
    """The RFC 5322 message every mailer sends, the outbox's file and Gmail's raw alike."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = [Address(person.name, addr_spec=person.email) for person in message.to]
    email["Subject"] = message.subject
    email["Message-ID"] = message_id_header
    email["Date"] = format_datetime(datetime.now(UTC))
    email.set_content(message.text)
    email.add_alternative(message.html, subtype="html")
    return email
