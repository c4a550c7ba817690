"""The service account's clients: one per thread and person, each with its API's scopes only;
a key that cannot be used is said in one line naming the variable."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from integrations.google.workspace import (
    SCOPES,
    GoogleApi,
    GoogleWorkspace,
    WorkspaceSetupError,
)
from tests.fake_google import FakeGoogle


@pytest.fixture
def workspace(tmp_path: Path) -> GoogleWorkspace:
    key = FakeGoogle().key_file(tmp_path / "key.json", "http://127.0.0.1:9")
    return GoogleWorkspace.from_key_file(key, "http://127.0.0.1:9")


def test_each_thread_gets_its_own_client_because_httplib2_is_not_thread_safe(
    workspace: GoogleWorkspace,
) -> None:
    here = workspace.client(GoogleApi.drive, "hr@example.com")
    elsewhere: list[object] = []
    thread = threading.Thread(
        target=lambda: elsewhere.append(workspace.client(GoogleApi.drive, "hr@example.com"))
    )
    thread.start()
    thread.join()

    assert workspace.client(GoogleApi.drive, "hr@example.com") is here
    assert elsewhere[0] is not here
    assert workspace.client(GoogleApi.drive, "mia@example.com") is not here


def test_each_api_asks_for_its_own_scopes_as_the_person_it_acts_for(
    workspace: GoogleWorkspace,
) -> None:
    credentials = workspace.credentials(GoogleApi.gmail, "hr@example.com")

    assert tuple(credentials.scopes) == SCOPES[GoogleApi.gmail]
    assert credentials._subject == "hr@example.com"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "does not exist"),
        ("{}", "is not a service account key"),
        ("not json", "is not a service account key"),
    ],
)
def test_a_key_that_cannot_be_used_is_named(
    tmp_path: Path, content: str | None, problem: str
) -> None:
    key = tmp_path / "key.json"
    if content is not None:
        key.write_text(content)

    with pytest.raises(WorkspaceSetupError) as refused:
        GoogleWorkspace.from_key_file(key)

    assert str(refused.value).startswith(f"COACHPLAN_GOOGLE_KEY_FILE: {key} {problem}")


def test_a_folder_is_not_a_key(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceSetupError, match="is a directory"):
        GoogleWorkspace.from_key_file(tmp_path)
