"""The outside world as three small interfaces plus HR's store and the organisation's seal, and
the settings that pick them."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from coaching.settings import DEFAULT_WEB_URL, Settings
from integrations.calendar import CheckInCalendar
from integrations.documents import DocumentStore
from integrations.mail import Mailer
from integrations.recipients import RecipientGate

if TYPE_CHECKING:
    from integrations.google.workspace import GoogleWorkspace
    from integrations.sealing import Sealer
    from store.plan_records import PlanRecords

log = logging.getLogger("coachplan.integrations")


@dataclass(frozen=True)
class Integrations:
    documents: DocumentStore
    calendar: CheckInCalendar
    mail: Mailer
    records: PlanRecords
    sealer: Sealer
    """Seals the certificates of completion."""
    web_url: str = DEFAULT_WEB_URL
    """Where messages link to: each plan's page lives under it."""
    recipients: RecipientGate = field(default_factory=RecipientGate)
    """Who may receive a plan's documents, invites and messages."""


def build_integrations(settings: Settings) -> Integrations:
    """Local files under `settings.data_dir`, or Google Workspace (`COACHPLAN_INTEGRATIONS`);
    HR's records go to `settings.database` either way. Raises `SealingSetupError` when the
    organisation's sealing key cannot be used.

    Implementations are imported here, not at the top, so that importing the interfaces (as
    workflows do) never loads one.
    """
    from store.database import create_store_engine
    from store.plan_records import PlanRecords

    records = PlanRecords(create_store_engine(settings.database))
    sealer = build_sealer(settings)
    if settings.integrations == "google":
        return _google(settings, records, sealer)
    from integrations.local.calendar import IcsCalendar
    from integrations.local.documents import LocalDocumentStore
    from integrations.local.mail import OutboxMailer

    root = settings.data_dir
    return Integrations(
        documents=LocalDocumentStore(root),
        calendar=IcsCalendar(root),
        mail=OutboxMailer(root),
        records=records,
        sealer=sealer,
        web_url=settings.web_url,
    )


def build_sealer(settings: Settings) -> Sealer:
    """The organisation's key and certificate where configured; in the embedded setup, those
    of a local CA under the data folder, made on first use."""
    from integrations.sealing import Sealer, SealingFiles

    if settings.sealing_key_file is None or settings.sealing_certificate_file is None:
        from integrations.local.sealing_ca import LocalSealingCa

        local = LocalSealingCa(settings.data_dir)
        if local.ensure():
            log.info("%s", local.created_line())
        return Sealer.load(local.files, settings.timestamp_url)
    files = SealingFiles(
        key=settings.sealing_key_file,
        certificate=settings.sealing_certificate_file,
        chain=settings.sealing_chain_file,
    )
    return Sealer.load(files, settings.timestamp_url)


def google_workspace(settings: Settings) -> GoogleWorkspace:
    """Raises `WorkspaceSetupError` when the key cannot be read."""
    from integrations.google.workspace import GoogleWorkspace, WorkspaceSetupError

    if settings.google_key_file is None:
        raise WorkspaceSetupError("COACHPLAN_GOOGLE_KEY_FILE is not set")
    return GoogleWorkspace.from_key_file(settings.google_key_file, settings.google_api_endpoint)


def _google(settings: Settings, records: PlanRecords, sealer: Sealer) -> Integrations:
    from integrations.google.calendar import GoogleCalendar
    from integrations.google.documents import GoogleDocumentStore
    from integrations.google.mail import GmailMailer

    workspace = google_workspace(settings)
    mailbox = settings.google_mailbox
    assert mailbox is not None, "Settings require the mailbox with Google integrations"
    return Integrations(
        documents=GoogleDocumentStore(
            workspace,
            mailbox=mailbox,
            folder_id=settings.google_folder_id,
            template_id=settings.google_template_id,
            hr_group=settings.google_hr_group,
        ),
        calendar=GoogleCalendar(workspace),
        mail=GmailMailer(workspace, sender=mailbox),
        records=records,
        sealer=sealer,
        web_url=settings.web_url,
        recipients=RecipientGate(settings.google_hr_group),
    )
