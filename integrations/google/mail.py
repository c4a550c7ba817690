"""Messages sent through Gmail, as the configured mailbox (HR's, say), once per message id.

Gmail has no idempotency key, so the message carries a Message-ID derived from its id and the
mailbox is searched for it before sending: a retry after a lost answer finds the message it
already sent. The search needs gmail.readonly besides gmail.send (gmail.metadata refuses `q`).
"""

from __future__ import annotations

import base64
from typing import Any

from integrations.google.failures import execute
from integrations.google.workspace import GoogleApi, GoogleWorkspace
from integrations.local.mail import build_email
from integrations.mail import OutgoingMessage

MESSAGE_ID_DOMAIN = "coachplan"
SENT_URL = "https://mail.google.com/mail/u/0/#sent/{gmail_id}"
_LITERAL = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")


def message_id_header(message_id: str) -> str:
    """`<{message_id}@coachplan>`, with every character that is not a valid, case-safe part of
    a Message-ID or a Gmail search written as `_xx` (its UTF-8 bytes in hex): distinct ids
    stay distinct, and the search matches this message only."""
    if not message_id:
        raise ValueError("a message needs a message id")
    last = len(message_id) - 1
    left = ""
    for index, character in enumerate(message_id):
        inner_dot = character == "." and 0 < index < last and message_id[index - 1] != "."
        if character in _LITERAL or inner_dot:
            left += character
        else:
            left += "".join(f"_{byte:02x}" for byte in character.encode())
    return f"<{left}@{MESSAGE_ID_DOMAIN}>"


class GmailMailer:
    """Sends as `sender`, a mailbox of the domain the service account impersonates."""

    def __init__(self, workspace: GoogleWorkspace, sender: str) -> None:
        self._workspace = workspace
        self._sender = sender

    def send(self, message: OutgoingMessage) -> str:
        if not message.to:
            raise ValueError(f"message {message.message_id} has no recipients")
        header = message_id_header(message.message_id)
        already_sent = self._find(header, message.message_id)
        if already_sent is not None:
            return SENT_URL.format(gmail_id=already_sent)
        raw = base64.urlsafe_b64encode(build_email(message, self._sender, header).as_bytes())
        sent = execute(
            self._messages().send(userId="me", body={"raw": raw.decode()}),
            f"sending message {message.message_id} from {self._sender}",
        )
        return SENT_URL.format(gmail_id=sent["id"])

    def _find(self, header: str, message_id: str) -> str | None:
        """The Gmail id of the message already sent with this Message-ID, if any."""
        found = execute(
            self._messages().list(
                userId="me",
                q=f"rfc822msgid:{header.strip('<>')}",
                includeSpamTrash=True,
                maxResults=1,
            ),
            f"looking for message {message_id} in {self._sender}'s mailbox",
        )
        messages = found.get("messages") or []
        return str(messages[0]["id"]) if messages else None

    def _messages(self) -> Any:
        return self._workspace.client(GoogleApi.gmail, self._sender).users().messages()
