"""The outside world as three small interfaces, and the settings that pick their implementation."""

from __future__ import annotations

from dataclasses import dataclass

from coaching.settings import Settings
from integrations.calendar import CheckInCalendar
from integrations.documents import DocumentStore
from integrations.mail import Mailer


@dataclass(frozen=True)
class Integrations:
    documents: DocumentStore
    calendar: CheckInCalendar
    mail: Mailer


def build_integrations(settings: Settings) -> Integrations:
    """The local implementations write under `settings.data_dir`.

    They are imported here, not at the top, so that importing the interfaces (as workflows
    do) never loads an implementation.
    """
    from integrations.local.calendar import IcsCalendar
    from integrations.local.documents import LocalDocumentStore
    from integrations.local.mail import OutboxMailer

    root = settings.data_dir
    return Integrations(
        documents=LocalDocumentStore(root),
        calendar=IcsCalendar(root),
        mail=OutboxMailer(root),
    )
