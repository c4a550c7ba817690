"""Messages to the plan's parties: an outbox folder by default, Gmail in a company."""

from __future__ import annotations

from typing import Protocol

from coaching.org import Person
from coaching.plan import StrictModel


class OutgoingMessage(StrictModel):
    message_id: str
    to: list[Person]
    subject: str
    text: str
    html: str
    """The same message as `text`, for mail clients that show HTML."""


class Mailer(Protocol):
    def send(self, message: OutgoingMessage) -> str:
        """Delivers the message once per `message_id`; returns where it went."""
        ...
