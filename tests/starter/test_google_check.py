"""`coachplan google check` and the worker's start-up check, against the fake Google: every
permission named, a missing one said once and clearly, never a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from coaching.org import OrgDirectory
from tests.fake_google import FakeGoogle, running_fake_google
from tests.starter.cli_runner import REPO, coachplan, hermetic_env, worker_start

DRIVE_SCOPE = "https://www.googleapis.com/auth/drive"


@pytest.fixture
def fake_google(tmp_path: Path) -> Iterator[tuple[FakeGoogle, dict[str, str]]]:
    with running_fake_google() as (fake, url):
        fake.directory.seed_from_org(OrgDirectory.load(REPO / "examples" / "org.yaml"))
        env = hermetic_env(
            COACHPLAN_DATA_DIR=str(tmp_path),
            COACHPLAN_INTEGRATIONS="google",
            COACHPLAN_DIRECTORY="google",
            COACHPLAN_GOOGLE_KEY_FILE=str(fake.key_file(tmp_path / "key.json", url)),
            COACHPLAN_GOOGLE_API_ENDPOINT=url,
            COACHPLAN_GOOGLE_MAILBOX="grace.liu@example.com",
            COACHPLAN_GOOGLE_ADMIN="grace.liu@example.com",
            COACHPLAN_GOOGLE_HR_GROUP="hr@example.com",
            TEMPORAL_ADDRESS="127.0.0.1:1",
        )
        yield fake, env


async def test_every_permission_checks_out(
    fake_google: tuple[FakeGoogle, dict[str, str]],
) -> None:
    fake, env = fake_google

    ran = await coachplan("google", "check", env=env)

    assert ran.code == 0, ran
    assert ran.out.count("OK") == 6
    assert "All 6 checks passed." in ran.out
    assert {call.service for call in fake.calls} >= {"token", "drive", "calendar", "gmail"}


async def test_a_refused_drive_names_the_missing_scope_and_fails(
    fake_google: tuple[FakeGoogle, dict[str, str]],
) -> None:
    fake, env = fake_google
    fake.fail_next("drive", 403, "insufficientPermissions")

    ran = await coachplan("google", "check", env={**env, "COLUMNS": "400"})

    assert ran.code == 1, ran
    [failed] = [line for line in ran.out.splitlines() if line.startswith("FAIL")]
    assert "drive" in failed
    assert DRIVE_SCOPE in ran.out
    assert "1 of 6 checks failed" in ran.err


async def test_a_delegation_without_a_scope_is_named(
    fake_google: tuple[FakeGoogle, dict[str, str]],
) -> None:
    fake, env = fake_google
    fake.delegated_scopes = {DRIVE_SCOPE}

    ran = await coachplan("google", "check", env={**env, "COLUMNS": "400"})

    assert ran.code == 1, ran
    assert "https://www.googleapis.com/auth/gmail.send" in ran.out
    assert "domain-wide delegation" in ran.out


async def test_a_missing_key_file_is_one_line(
    fake_google: tuple[FakeGoogle, dict[str, str]], tmp_path: Path
) -> None:
    _, env = fake_google
    missing = tmp_path / "nowhere.json"

    ran = await coachplan("google", "check", env={**env, "COACHPLAN_GOOGLE_KEY_FILE": str(missing)})

    assert ran.code == 2, ran
    assert f"COACHPLAN_GOOGLE_KEY_FILE: {missing} does not exist" in ran.err


async def test_the_worker_says_what_is_missing_at_start_up(
    fake_google: tuple[FakeGoogle, dict[str, str]], tmp_path: Path
) -> None:
    """Before it connects to Temporal: without Google, every plan would fail."""
    fake, env = fake_google
    fake.refused_subjects = {"grace.liu@example.com"}

    ran = await worker_start(env)

    assert ran.code == 1, ran
    assert "Google Workspace is not ready" in ran.err
    assert "domain-wide delegation" in ran.err
    assert "Traceback" not in ran.err
