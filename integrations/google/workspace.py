"""One service account, impersonating people of the domain, with the fewest scopes each API needs.

Every API client is built offline from the discovery documents bundled with
google-api-python-client, one per thread (httplib2 is not thread-safe) and per impersonated
person. `api_endpoint` points them somewhere other than Google: a local fake in the tests. It
replaces the discovery document's root URL rather than being passed as the client's
`api_endpoint`, which media uploads ignore.
"""

from __future__ import annotations

import json
import threading
from enum import StrEnum
from pathlib import Path
from typing import Any

import google_auth_httplib2
import httplib2
from google.oauth2 import service_account
from googleapiclient.discovery import build, build_from_document
from googleapiclient.discovery_cache import get_static_doc

HTTP_TIMEOUT_SECONDS = 30


class GoogleApi(StrEnum):
    docs = "docs"
    drive = "drive"
    calendar = "calendar"
    gmail = "gmail"
    directory = "directory"


_DISCOVERY: dict[GoogleApi, tuple[str, str]] = {
    GoogleApi.docs: ("docs", "v1"),
    GoogleApi.drive: ("drive", "v3"),
    GoogleApi.calendar: ("calendar", "v3"),
    GoogleApi.gmail: ("gmail", "v1"),
    GoogleApi.directory: ("admin", "directory_v1"),
}
"""Name and version of each bundled discovery document."""

SCOPES: dict[GoogleApi, tuple[str, ...]] = {
    GoogleApi.docs: ("https://www.googleapis.com/auth/documents",),
    GoogleApi.drive: ("https://www.googleapis.com/auth/drive",),
    GoogleApi.calendar: ("https://www.googleapis.com/auth/calendar.events",),
    GoogleApi.gmail: (
        "https://www.googleapis.com/auth/gmail.send",
        "https://www.googleapis.com/auth/gmail.readonly",
    ),
    GoogleApi.directory: (
        "https://www.googleapis.com/auth/admin.directory.user.readonly",
        "https://www.googleapis.com/auth/admin.directory.group.member.readonly",
    ),
}
"""What each API is asked for, and all the Admin console's delegation must grant. Without
explicit scopes the client would ask for every scope, and delegation would be refused."""

ALL_SCOPES = tuple(scope for scopes in SCOPES.values() for scope in scopes)


class WorkspaceSetupError(ValueError):
    """The service account cannot be used at all: said once, at start-up."""


def load_service_account(key_file: Path) -> service_account.Credentials:
    try:
        credentials: service_account.Credentials = (
            service_account.Credentials.from_service_account_file(str(key_file))  # type: ignore[no-untyped-call]
        )
    except FileNotFoundError:
        raise WorkspaceSetupError(
            f"COACHPLAN_GOOGLE_KEY_FILE: {key_file} does not exist; download the service "
            "account's JSON key (see docs/google-workspace.md)"
        ) from None
    except IsADirectoryError:
        raise WorkspaceSetupError(
            f"COACHPLAN_GOOGLE_KEY_FILE: {key_file} is a directory, not a JSON key file"
        ) from None
    except (ValueError, KeyError) as error:
        raise WorkspaceSetupError(
            f"COACHPLAN_GOOGLE_KEY_FILE: {key_file} is not a service account key ({error})"
        ) from None
    return credentials


class GoogleWorkspace:
    """Builds API clients that act as a given person of the domain (domain-wide delegation)."""

    def __init__(
        self, credentials: service_account.Credentials, api_endpoint: str | None = None
    ) -> None:
        self._credentials = credentials
        self._endpoint = api_endpoint.rstrip("/") if api_endpoint else None
        self._clients = threading.local()

    @classmethod
    def from_key_file(cls, key_file: Path, api_endpoint: str | None = None) -> GoogleWorkspace:
        return cls(load_service_account(key_file), api_endpoint)

    @property
    def service_account_email(self) -> str:
        return str(self._credentials.service_account_email)

    def client(self, api: GoogleApi, subject: str) -> Any:
        """This thread's client for `api`, acting as `subject` (an email of the domain)."""
        clients: dict[tuple[GoogleApi, str], Any] = self._clients.__dict__.setdefault(
            "by_api_and_subject", {}
        )
        key = (api, subject)
        if key not in clients:
            clients[key] = self._build(api, subject)
        return clients[key]

    def credentials(self, api: GoogleApi, subject: str) -> service_account.Credentials:
        scoped: service_account.Credentials = self._credentials.with_scopes(
            list(SCOPES[api])
        ).with_subject(subject)
        return scoped

    def _build(self, api: GoogleApi, subject: str) -> Any:
        name, version = _DISCOVERY[api]
        http = google_auth_httplib2.AuthorizedHttp(
            self.credentials(api, subject), http=httplib2.Http(timeout=HTTP_TIMEOUT_SECONDS)
        )
        if self._endpoint is None:
            return build(name, version, http=http, static_discovery=True, cache_discovery=False)
        discovery = json.loads(get_static_doc(name, version) or "{}")
        discovery["rootUrl"] = f"{self._endpoint}/"
        return build_from_document(discovery, http=http)
