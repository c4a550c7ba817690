"""The Google directory against the fake Admin SDK, and the cache that keeps it between reads."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from coaching.org import OrgDirectory
from integrations.failures import IntegrationFailure
from integrations.google.directory import CachedDirectory, GoogleDirectory, person_ids
from integrations.google.workspace import GoogleWorkspace
from tests.fake_google import FakeGoogle, running_fake_google
from tests.fake_google.directory import HR_GROUP

ROOT = Path(__file__).parents[3]
EXAMPLE = OrgDirectory.load(ROOT / "examples" / "org.yaml")
ADMIN = "grace.liu@example.com"


@pytest.fixture
def google(tmp_path: Path) -> Iterator[tuple[FakeGoogle, GoogleDirectory]]:
    with running_fake_google() as (fake, url):
        fake.directory.seed_from_org(EXAMPLE)
        fake.directory.admins = {ADMIN}
        workspace = GoogleWorkspace.from_key_file(fake.key_file(tmp_path / "key.json", url), url)
        yield (
            fake,
            GoogleDirectory(
                workspace,
                admin=ADMIN,
                hr_group=HR_GROUP,
                company=EXAMPLE.company,
                default_time_zone=EXAMPLE.time_zone,
            ),
        )


def by_id(directory: OrgDirectory) -> list[tuple[object, ...]]:
    return sorted(
        (p.id, p.name, p.email, p.title, p.time_zone, p.manager, p.hr) for p in directory.people
    )


def test_the_directory_has_everyone_with_titles_managers_and_hr(
    google: tuple[FakeGoogle, GoogleDirectory],
) -> None:
    _, directory = google

    read = directory.read()

    assert by_id(read) == by_id(EXAMPLE)
    assert (read.company, read.time_zone) == (EXAMPLE.company, EXAMPLE.time_zone)
    assert [p.email for p in read.hr_people] == ["grace.liu@example.com", "omar.farouk@example.com"]


def test_the_parties_of_a_plan_come_from_the_google_directory(
    google: tuple[FakeGoogle, GoogleDirectory],
) -> None:
    _, directory = google

    parties = directory.read().parties_for("priya.raman@example.com", "lena.hoffmann@example.com")

    assert parties == EXAMPLE.parties_for("priya.raman@example.com", "lena.hoffmann@example.com")
    assert parties.skip_level.email == "marcus.okafor@example.com"
    assert parties.skip_level.time_zone == "America/New_York"


def test_users_and_hr_members_are_read_across_pages(
    google: tuple[FakeGoogle, GoogleDirectory],
) -> None:
    fake, directory = google
    fake.directory.page_size_cap = 1

    read = directory.read()

    assert by_id(read) == by_id(EXAMPLE)
    paths = [call.path for call in fake.calls_to("directory")]
    assert paths.count("/admin/directory/v1/users") == len(EXAMPLE.people)
    assert paths.count(f"/admin/directory/v1/groups/{HR_GROUP}/members") == 2


def test_suspended_users_are_left_out_and_their_reports_have_no_manager(
    google: tuple[FakeGoogle, GoogleDirectory],
) -> None:
    fake, directory = google
    fake.directory.add_user("gone@example.com", "Gone Person", suspended=True)
    fake.directory.add_user("new.hire@example.com", "New Hire", manager="gone@example.com")
    fake.directory.add_user("contractor@example.com", "Con Tractor", manager="boss@elsewhere.org")
    fake.directory.add_member(HR_GROUP, "gone@example.com")

    read = directory.read()

    assert "gone@example.com" not in {p.email for p in read.people}
    assert read.by_email("new.hire@example.com").manager is None
    assert read.by_email("contractor@example.com").manager is None
    assert not read.is_hr("gone@example.com")


def test_hr_includes_members_of_nested_groups_but_no_group_itself(
    google: tuple[FakeGoogle, GoogleDirectory],
) -> None:
    fake, directory = google
    fake.directory.add_user("pia.ops@example.com", "Pia Ops", title="HR Operations")
    fake.directory.add_member("people-ops@example.com", "pia.ops@example.com")
    fake.directory.add_member(HR_GROUP, "people-ops@example.com", member_type="GROUP")

    read = directory.read()

    assert read.is_hr("pia.ops@example.com")
    assert read.by_email("pia.ops@example.com").title == "HR Operations"
    assert not any(p.email == "people-ops@example.com" for p in read.people)


def test_a_time_zone_comes_from_the_custom_attribute_or_the_company(
    google: tuple[FakeGoogle, GoogleDirectory],
) -> None:
    fake, directory = google
    fake.directory.add_user("typo@example.com", "Ty Po", time_zone="Mars/Olympus")

    read = directory.read()

    assert read.by_email("tom.becker@example.com").time_zone == "Europe/Lisbon"
    assert read.by_email("lena.hoffmann@example.com").time_zone is None
    assert read.public(read.by_email("typo@example.com")).time_zone == EXAMPLE.time_zone


def test_ids_are_local_parts_and_stay_distinct_across_domains() -> None:
    ids = person_ids(
        ["ana@example.com", "ana@subsidiary.example", "O'Brien+x@example.com", "_x@example.com"],
        home_domain="example.com",
    )

    assert ids == {
        "ana@example.com": "ana",
        "ana@subsidiary.example": "ana.subsidiary.example",
        "O'Brien+x@example.com": "o-brien-x",
        "_x@example.com": "x",
    }


def test_reading_as_someone_who_is_not_an_admin_is_refused_with_a_reason(
    google: tuple[FakeGoogle, GoogleDirectory],
) -> None:
    fake, directory = google
    fake.directory.admins = {"someone.else@example.com"}

    with pytest.raises(IntegrationFailure) as failure:
        directory.read()

    assert (failure.value.kind, failure.value.retryable) == ("Google403", False)


def test_an_hr_group_without_members_in_the_directory_is_a_setup_error(
    google: tuple[FakeGoogle, GoogleDirectory],
) -> None:
    fake, directory = google
    fake.directory.groups[HR_GROUP] = []

    with pytest.raises(IntegrationFailure) as failure:
        directory.read()

    assert (failure.value.kind, failure.value.retryable) == ("GoogleDirectoryUnusable", False)
    assert HR_GROUP in failure.value.message


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_cache_serves_the_same_directory_until_it_is_due(
    google: tuple[FakeGoogle, GoogleDirectory],
) -> None:
    fake, directory = google
    clock = Clock()
    cache = CachedDirectory(directory.read, timedelta(minutes=15), clock)

    first = cache.current()
    clock.now += 14 * 60
    assert cache.current() is first
    fake.directory.add_user("new.hire@example.com", "New Hire")
    clock.now += 60

    refreshed = cache.current()

    assert refreshed is not first
    assert refreshed.by_email("new.hire@example.com").name == "New Hire"
    assert cache.current() is refreshed


def test_a_failed_refresh_keeps_the_last_directory_and_is_tried_again(
    google: tuple[FakeGoogle, GoogleDirectory], caplog: pytest.LogCaptureFixture
) -> None:
    fake, directory = google
    clock = Clock()
    cache = CachedDirectory(
        directory.read, timedelta(minutes=15), clock, retry_after=timedelta(minutes=1)
    )
    first = cache.current()
    clock.now += 15 * 60
    fake.fail_next("directory", 503, "backendError")

    with caplog.at_level(logging.WARNING, logger="integrations.google.directory"):
        assert cache.current() is first

    assert "Google answered 503" in caplog.text
    clock.now += 30
    assert cache.current() is first
    clock.now += 30
    assert cache.current() is not first


def test_a_first_read_that_fails_raises(google: tuple[FakeGoogle, GoogleDirectory]) -> None:
    fake, directory = google
    fake.fail_next("directory", 503, "backendError")
    cache = CachedDirectory(directory.read, timedelta(minutes=15))

    with pytest.raises(IntegrationFailure) as failure:
        cache.current()

    assert failure.value.retryable
    assert cache.current().company == EXAMPLE.company


def test_threads_share_one_read() -> None:
    reads: list[OrgDirectory] = []
    started = threading.Barrier(8)

    def slow_read() -> OrgDirectory:
        time.sleep(0.2)
        reads.append(EXAMPLE.model_copy())
        return reads[-1]

    cache = CachedDirectory(slow_read, timedelta(minutes=15))
    seen: list[OrgDirectory] = []

    def use() -> None:
        started.wait()
        seen.append(cache.current())

    threads = [threading.Thread(target=use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(reads) == 1
    assert all(directory is reads[0] for directory in seen)


def test_while_one_thread_refreshes_the_others_get_the_last_directory() -> None:
    clock = Clock()
    release = threading.Event()
    reading = threading.Event()
    calls: list[int] = []

    def read() -> OrgDirectory:
        calls.append(1)
        if len(calls) > 1:
            reading.set()
            release.wait(5)
        return EXAMPLE.model_copy()

    cache = CachedDirectory(read, timedelta(minutes=15), clock)
    first = cache.current()
    clock.now += 15 * 60
    refresher = threading.Thread(target=cache.current)
    refresher.start()
    assert reading.wait(5)

    assert cache.current() is first

    release.set()
    refresher.join()
    assert cache.current() is not first
    assert len(calls) == 2


def test_the_fake_can_run_on_its_own() -> None:
    ran = subprocess.run(
        [sys.executable, "-m", "tests.fake_google", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert ran.returncode == 0, ran.stderr
    assert "/_fake/faults" in ran.stdout
