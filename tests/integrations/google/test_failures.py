"""Every Google error is classified for Temporal: what goes away by itself is retried (with
the pause Google asks for), what needs a fix of the setup is not, and says what to fix."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from integrations.failures import IntegrationFailure
from integrations.google.failures import SHARING_BACKOFF, execute
from integrations.google.workspace import GoogleApi, GoogleWorkspace
from tests.fake_google import FakeGoogle, running_fake_google

MAILBOX = "hr@example.com"


@pytest.fixture
def google(tmp_path: Path) -> Iterator[tuple[FakeGoogle, GoogleWorkspace]]:
    with running_fake_google() as (fake, url):
        key = fake.key_file(tmp_path / "key.json", url)
        yield fake, GoogleWorkspace.from_key_file(key, url)


def list_files(workspace: GoogleWorkspace) -> object:
    drive = workspace.client(GoogleApi.drive, MAILBOX)
    return execute(drive.files().list(pageSize=1, supportsAllDrives=True), "listing files")


@pytest.mark.parametrize(
    ("status", "reason", "retry_after"),
    [
        (429, "rateLimitExceeded", None),
        (500, "backendError", None),
        (503, "backendError", None),
        (403, "rateLimitExceeded", None),
        (403, "userRateLimitExceeded", None),
        (403, "sharingRateLimitExceeded", SHARING_BACKOFF),
    ],
)
def test_what_goes_away_by_itself_is_retried(
    google: tuple[FakeGoogle, GoogleWorkspace],
    status: int,
    reason: str,
    retry_after: timedelta | None,
) -> None:
    fake, workspace = google
    fake.fail_next("drive", status, reason)

    with pytest.raises(IntegrationFailure) as failed:
        list_files(workspace)

    assert failed.value.retryable
    assert failed.value.retry_after == retry_after
    assert list_files(workspace) is not None, "the next attempt goes through"
    assert len(fake.calls_to("drive")) == 2, "the client's own retries stay off"


@pytest.mark.parametrize(
    ("status", "reason", "fix"),
    [
        (400, "badRequest", "Google refused the request"),
        (401, "authError", "create a new key"),
        (403, "forbiddenForServiceAccounts", "COACHPLAN_GOOGLE_MAILBOX"),
        (403, "storageQuotaExceeded", "shared drive"),
        (403, "domainPolicy", "sharing policy"),
        (403, "insufficientPermissions", "domain-wide delegation"),
        (404, "notFound", "does not exist"),
    ],
)
def test_what_needs_a_fix_is_not_retried_and_says_what_to_fix(
    google: tuple[FakeGoogle, GoogleWorkspace], status: int, reason: str, fix: str
) -> None:
    fake, workspace = google
    fake.fail_next("drive", status, reason, count=3)

    with pytest.raises(IntegrationFailure) as failed:
        list_files(workspace)

    assert not failed.value.retryable
    assert failed.value.kind == f"Google{status}"
    assert failed.value.status == status
    assert f"Google answered {status} {reason} while listing files" in failed.value.message
    assert fix in failed.value.message


def test_a_refused_delegation_is_not_retried(google: tuple[FakeGoogle, GoogleWorkspace]) -> None:
    fake, workspace = google
    fake.refused_subjects = {MAILBOX}

    with pytest.raises(IntegrationFailure) as failed:
        list_files(workspace)

    assert not failed.value.retryable
    assert failed.value.kind == "GoogleDelegationRefused"
    assert "domain-wide delegation" in failed.value.message


def test_an_unreachable_google_is_retried(tmp_path: Path) -> None:
    with running_fake_google() as (fake, url):
        key = fake.key_file(tmp_path / "key.json", url)
    workspace = GoogleWorkspace.from_key_file(key, url)

    with pytest.raises(IntegrationFailure) as failed:
        list_files(workspace)

    assert failed.value.retryable
    assert failed.value.kind == "GoogleUnreachable"
