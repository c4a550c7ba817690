"""The fake's Gmail: `users.messages.send` with a raw RFC 5322 message, and `users.messages.list`
searching by `rfc822msgid:`, each mailbox keeping what it sent."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request

if TYPE_CHECKING:
    from tests.fake_google.server import FakeGoogle, GoogleHttpError, Grant

SEND_SCOPES = (
    "https://www.googleapis.com/auth/gmail.send",
    "https://www.googleapis.com/auth/gmail.compose",
    "https://www.googleapis.com/auth/gmail.modify",
    "https://mail.google.com/",
)
SEARCH_SCOPES = (
    "https://www.googleapis.com/auth/gmail.readonly",
    "https://www.googleapis.com/auth/gmail.modify",
    "https://mail.google.com/",
)
"""Searching with `q` needs one of these: gmail.metadata may list, but refuses `q`."""
METADATA_SCOPE = "https://www.googleapis.com/auth/gmail.metadata"


@dataclass(frozen=True)
class SentMessage:
    id: str
    """Gmail's id of the message, as `messages.send` answered."""
    email: EmailMessage
    message_id: str
    to: list[tuple[str, str]]
    """(name, address) of each recipient."""
    subject: str
    text: str
    html: str


@dataclass
class GmailState:
    mailboxes: dict[str, list[SentMessage]] = field(default_factory=dict)

    def sent(self, sender: str) -> list[SentMessage]:
        """What `sender` sent, oldest first (a copy: the server thread may add to it)."""
        return list(self.mailboxes.get(sender.lower(), []))


def _error(status: int, reason: str, message: str) -> GoogleHttpError:
    """Imported when needed: the server imports this module while it is being defined."""
    from tests.fake_google.server import GoogleHttpError

    return GoogleHttpError(status, reason, message)


def _mailbox(grant: Grant, user_id: str) -> str:
    """`me` is the impersonated person; another mailbox is refused, as Gmail does."""
    if user_id not in ("me", grant.subject):
        raise _error(403, "forbidden", f"Delegation denied for {grant.subject}")
    return grant.subject.lower()


def _parse(body: Any) -> EmailMessage:
    raw = body.get("raw") if isinstance(body, dict) else None
    if not isinstance(raw, str) or not raw:
        raise _error(400, "invalidArgument", "'raw' RFC822 payload message is required")
    try:
        data = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    except ValueError:
        raise _error(400, "invalidArgument", "Invalid value for ByteString") from None
    return BytesParser(policy=default).parsebytes(data)


def _part(email: EmailMessage, subtype: str) -> str:
    body = email.get_body(preferencelist=(subtype,))
    return str(body.get_content()) if body is not None else ""


def _sent(gmail_id: str, email: EmailMessage) -> SentMessage:
    recipients = email["To"]
    if recipients is None or not recipients.addresses:
        raise _error(400, "invalidArgument", "Invalid To header")
    return SentMessage(
        id=gmail_id,
        email=email,
        message_id=str(email["Message-ID"] or f"<{gmail_id}@mail.gmail.com>"),
        to=[(address.display_name, address.addr_spec) for address in recipients.addresses],
        subject=str(email["Subject"] or ""),
        text=_part(email, "plain"),
        html=_part(email, "html"),
    )


def _matches(message: SentMessage, query: str) -> bool:
    """Only the search the mailer makes, `rfc822msgid:<id>`, with or without brackets."""
    wanted = query.strip()
    if not wanted.startswith("rfc822msgid:"):
        raise _error(400, "invalidArgument", f"the fake cannot search for {query!r}")
    return message.message_id.strip("<>") == wanted.removeprefix("rfc822msgid:").strip("<>")


def router(fake: FakeGoogle) -> APIRouter:
    api = APIRouter(prefix="/gmail/v1/users/{user_id}")

    @api.post("/messages/send")
    async def _send(user_id: str, request: Request) -> dict[str, Any]:
        grant = fake.grant_for(request, *SEND_SCOPES)
        mailbox = _mailbox(grant, user_id)
        message = _sent(secrets.token_hex(8), _parse(await request.json()))
        with fake.lock:
            fake.gmail.mailboxes.setdefault(mailbox, []).append(message)
        return {"id": message.id, "threadId": message.id, "labelIds": ["SENT"]}

    @api.get("/messages")
    async def _list(user_id: str, request: Request, q: str | None = None) -> dict[str, Any]:
        grant = fake.grant_for(request, METADATA_SCOPE, *SEARCH_SCOPES)
        if q is not None and not grant.scopes & set(SEARCH_SCOPES):
            raise _error(403, "forbidden", "Metadata scope does not support 'q' parameter")
        mailbox = _mailbox(grant, user_id)
        with fake.lock:
            messages = list(fake.gmail.mailboxes.get(mailbox, []))
        found = [m for m in reversed(messages) if q is None or _matches(m, q)]
        listed = [{"id": m.id, "threadId": m.id} for m in found]
        return (
            {"messages": listed, "resultSizeEstimate": len(listed)}
            if listed
            else {"resultSizeEstimate": 0}
        )

    return api
