"""Every Google call goes through `execute`: the client's own retries stay off and each error
becomes an `IntegrationFailure` that says whether Temporal should retry and what to fix."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import httplib2
from google.auth.exceptions import RefreshError, TransportError
from googleapiclient.errors import HttpError

from integrations.failures import IntegrationFailure

RATE_LIMIT_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
SHARING_RATE_LIMIT = "sharingRateLimitExceeded"
SHARING_BACKOFF = timedelta(minutes=5)
"""Google asks for a long pause after too many shares; a short retry only extends the ban."""

_WHAT_TO_FIX = {
    "forbiddenForServiceAccounts": (
        "service accounts may not do this on their own: it must act as a person of the domain "
        "(the manager for check-ins, COACHPLAN_GOOGLE_MAILBOX for documents and messages), "
        "which needs domain-wide delegation"
    ),
    "storageQuotaExceeded": (
        "the Drive storage of the owner is full: free space, or set COACHPLAN_GOOGLE_FOLDER_ID "
        "to a folder in a shared drive"
    ),
    "insufficientPermissions": (
        "a scope is missing from the domain-wide delegation: grant every scope listed in "
        "docs/google-workspace.md in the Admin console (Security > API controls)"
    ),
    "domainPolicy": "a Workspace sharing policy refuses this: allow sharing inside the domain",
    "cannotShareTeamDriveWithNonDomainUser": (
        "the shared drive refuses people outside the domain: allow them or use a folder"
    ),
    "accessNotConfigured": "the API is not enabled in the service account's Cloud project",
    "notFound": "it does not exist or the impersonated person cannot see it",
}


def execute(request: Any, doing: str) -> Any:
    """Runs one prepared request; `doing` says what for, as in "copying the template"."""
    try:
        return request.execute(num_retries=0)
    except HttpError as error:
        raise classify(error, doing) from None
    except RefreshError as error:
        raise IntegrationFailure(
            f"Google refused the service account's token while {doing} ({_refresh_reason(error)})"
            ": check that the service account's client id has domain-wide delegation for the "
            "scopes in docs/google-workspace.md and that the impersonated person exists",
            kind="GoogleDelegationRefused",
            retryable=False,
        ) from None
    except (TransportError, httplib2.HttpLib2Error, OSError) as error:
        raise IntegrationFailure(
            f"Google could not be reached while {doing}: {error}",
            kind="GoogleUnreachable",
            retryable=True,
        ) from None


def execute_pages(request_for: Callable[[str | None], Any], doing: str) -> Iterator[Any]:
    """Every page of a listing: `request_for(token)` prepares the request for one page."""
    token: str | None = None
    while True:
        page = execute(request_for(token), doing)
        yield page
        token = page.get("nextPageToken")
        if not token:
            return


def classify(error: HttpError, doing: str) -> IntegrationFailure:
    status = error.status_code
    reason = _reason(error)
    said = f"Google answered {status}{f' {reason}' if reason else ''} while {doing}"
    if status == 429 or status >= 500 or reason in RATE_LIMIT_REASONS:
        return IntegrationFailure(said, kind="GoogleBusy", retryable=True, status=status)
    if reason == SHARING_RATE_LIMIT:
        return IntegrationFailure(
            said,
            kind="GoogleSharingRateLimited",
            retryable=True,
            retry_after=SHARING_BACKOFF,
            status=status,
        )
    fix = _WHAT_TO_FIX.get(reason) or _WHAT_TO_FIX.get("notFound" if status == 404 else "")
    if fix is None and status == 401:
        fix = "the service account's key was refused: create a new key and set it"
    if fix is None and status == 403:
        fix = "the impersonated person is not allowed to do this in the Workspace setup"
    if fix is None:
        fix = f"Google refused the request: {_message(error)}"
    return IntegrationFailure(
        f"{said}: {fix}", kind=f"Google{status}", retryable=False, status=status
    )


def _details(error: HttpError) -> dict[str, Any]:
    try:
        body = json.loads(error.content.decode())
    except (ValueError, UnicodeDecodeError):
        return {}
    detail = body.get("error") if isinstance(body, dict) else None
    return detail if isinstance(detail, dict) else {}


def _reason(error: HttpError) -> str:
    errors = _details(error).get("errors") or []
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    return str(first.get("reason", ""))


def _message(error: HttpError) -> str:
    return str(_details(error).get("message") or error.reason or "no reason given")


def _refresh_reason(error: RefreshError) -> str:
    return str(error.args[0]) if error.args else "no reason given"
