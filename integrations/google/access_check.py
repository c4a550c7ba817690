"""Checks, before first use, that the service account may do everything coachplan asks of
Google: each API's token (the domain-wide delegation of its scopes) and one harmless call.

`coachplan google check` prints the answers; the worker runs the same check at start-up, so
a missing key or a refused delegation is one clear message there, not a failure deep in an
activity.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import google_auth_httplib2
import httplib2
from google.auth.exceptions import RefreshError, TransportError

from coaching.settings import Settings
from integrations.failures import IntegrationFailure
from integrations.google.failures import execute
from integrations.google.workspace import SCOPES, GoogleApi, GoogleWorkspace


@dataclass(frozen=True)
class AccessCheck:
    api: GoogleApi
    subject: str
    what: str
    problem: str | None = None
    """None when it worked; otherwise what failed and what to fix."""

    @property
    def ok(self) -> bool:
        return self.problem is None

    @property
    def scopes(self) -> tuple[str, ...]:
        return SCOPES[self.api]


@dataclass(frozen=True)
class _Probe:
    api: GoogleApi
    subject: str
    what: str
    call: Callable[[Any], Any] | None
    """A harmless request on the API's client; None checks the token alone."""


def _probes(settings: Settings) -> list[_Probe]:
    probes: list[_Probe] = []
    mailbox, folder, template = (
        settings.google_mailbox,
        settings.google_folder_id,
        settings.google_template_id,
    )
    if settings.integrations == "google" and mailbox is not None:
        probes += [
            _Probe(
                GoogleApi.drive,
                mailbox,
                "list Drive files",
                lambda drive: drive.files().list(
                    pageSize=1, supportsAllDrives=True, includeItemsFromAllDrives=True
                ),
            ),
            _Probe(GoogleApi.docs, mailbox, "edit documents", None),
            _Probe(
                GoogleApi.calendar,
                mailbox,
                "read calendar events",
                lambda calendar: calendar.events().list(calendarId="primary", maxResults=1),
            ),
            _Probe(
                GoogleApi.gmail,
                mailbox,
                "find sent messages",
                lambda gmail: gmail.users().messages().list(userId="me", maxResults=1),
            ),
        ]
        if folder is not None:
            probes.append(
                _Probe(
                    GoogleApi.drive,
                    mailbox,
                    f"open the folder {folder}",
                    lambda drive: drive.files().get(fileId=folder, supportsAllDrives=True),
                )
            )
        if template is not None:
            probes.append(
                _Probe(
                    GoogleApi.docs,
                    mailbox,
                    f"read the template document {template}",
                    lambda docs: docs.documents().get(documentId=template),
                )
            )
    admin, group = settings.google_admin, settings.google_hr_group
    if settings.directory == "google" and admin is not None and group is not None:
        probes += [
            _Probe(
                GoogleApi.directory,
                admin,
                "list the directory's users",
                lambda directory: directory.users().list(
                    customer=settings.google_customer, maxResults=1
                ),
            ),
            _Probe(
                GoogleApi.directory,
                admin,
                f"list the members of {group}",
                lambda directory: directory.members().list(groupKey=group, maxResults=1),
            ),
        ]
    return probes


def check_access(workspace: GoogleWorkspace, settings: Settings) -> list[AccessCheck]:
    """Every check the settings call for, in order; none stops the others."""
    return [_run(workspace, probe) for probe in _probes(settings)]


def _run(workspace: GoogleWorkspace, probe: _Probe) -> AccessCheck:
    scopes = " ".join(SCOPES[probe.api])
    try:
        workspace.credentials(probe.api, probe.subject).refresh(  # type: ignore[no-untyped-call]
            google_auth_httplib2.Request(httplib2.Http(timeout=30))
        )
    except RefreshError as error:
        reason = error.args[0] if error.args else "refused"
        return AccessCheck(
            probe.api,
            probe.subject,
            probe.what,
            f"no token for {probe.subject} ({reason}): in the Admin console, give the service "
            f"account's client id domain-wide delegation of {scopes}",
        )
    except (TransportError, OSError) as error:
        return AccessCheck(
            probe.api, probe.subject, probe.what, f"Google could not be reached: {error}"
        )
    if probe.call is None:
        return AccessCheck(probe.api, probe.subject, probe.what)
    try:
        execute(probe.call(workspace.client(probe.api, probe.subject)), f"trying to {probe.what}")
    except IntegrationFailure as failure:
        return AccessCheck(
            probe.api, probe.subject, probe.what, f"{failure.message} (needs {scopes})"
        )
    return AccessCheck(probe.api, probe.subject, probe.what)
