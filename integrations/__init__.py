"""The outside world as three small interfaces plus HR's store, and the settings that pick them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from coaching.settings import DEFAULT_WEB_URL, Settings
from integrations.calendar import CheckInCalendar
from integrations.documents import DocumentStore
from integrations.mail import Mailer

if TYPE_CHECKING:
    from store.plan_records import PlanRecords


@dataclass(frozen=True)
class Integrations:
    documents: DocumentStore
    calendar: CheckInCalendar
    mail: Mailer
    records: PlanRecords
    web_url: str = DEFAULT_WEB_URL
    """Where messages link to: each plan's page lives under it."""


def build_integrations(settings: Settings) -> Integrations:
    """The local implementations write under `settings.data_dir`; HR's records go to
    `settings.database`.

    They are imported here, not at the top, so that importing the interfaces (as workflows
    do) never loads an implementation.
    """
    from integrations.local.calendar import IcsCalendar
    from integrations.local.documents import LocalDocumentStore
    from integrations.local.mail import OutboxMailer
    from store.database import create_store_engine
    from store.plan_records import PlanRecords

    root = settings.data_dir
    return Integrations(
        documents=LocalDocumentStore(root),
        calendar=IcsCalendar(root),
        mail=OutboxMailer(root),
        records=PlanRecords(create_store_engine(settings.database)),
        web_url=settings.web_url,
    )
