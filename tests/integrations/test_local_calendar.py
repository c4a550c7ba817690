"""The .ics calendar: one file per plan, rewritten identically for the same request."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from icalendar import Calendar

from coaching.org import Person
from coaching.plan import Weekday
from integrations.calendar import CheckInSeries
from integrations.local.calendar import IcsCalendar

MANAGER = Person(id="mia", name="Mia Manager", email="mia@example.com")
MEMBER = Person(id="tom", name="Tom Member", email="tom@example.com")


def series(sequence: int = 0, plan_id: str = "abc123") -> CheckInSeries:
    return CheckInSeries(
        plan_id=plan_id,
        uid="coaching-plan-abc123-check-ins@coachplan",
        organizer=MANAGER,
        attendees=[MANAGER, MEMBER],
        first_at=datetime(2026, 3, 5, 15, 0, tzinfo=UTC),
        until=datetime(2026, 3, 26, 14, 0, tzinfo=UTC),
        weekday=Weekday.thursday,
        interval_weeks=1,
        time_zone="America/New_York",
        sequence=sequence,
    )


def test_publishing_writes_one_request_per_plan(tmp_path: Path) -> None:
    uri = IcsCalendar(tmp_path).publish_series(series())
    path = tmp_path / "invites" / "abc123.ics"

    invite = Calendar.from_ical(path.read_bytes())
    [event] = invite.events
    assert uri == path.resolve().as_uri()
    assert str(invite["METHOD"]) == "REQUEST"
    assert str(invite["VERSION"]) == "2.0"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event.decoded("dtstart").isoformat() == "2026-03-05T10:00:00-05:00"
    assert "UNTIL=20260326T140000Z" in path.read_text()
    assert "DESCRIPTION" not in event


def test_the_same_series_again_keeps_its_stamp_and_an_update_gets_a_new_one(
    tmp_path: Path,
) -> None:
    calendar = IcsCalendar(tmp_path)
    path = tmp_path / "invites" / "abc123.ics"
    calendar.publish_series(series())
    written_earlier = re.sub(rb"DTSTAMP:\w+", b"DTSTAMP:20200101T000000Z", path.read_bytes())
    path.write_bytes(written_earlier)

    calendar.publish_series(series())
    assert path.read_bytes() == written_earlier

    calendar.publish_series(series(sequence=1))
    [event] = Calendar.from_ical(path.read_bytes()).events
    assert event["SEQUENCE"] == 1
    assert event.decoded("dtstamp") > datetime(2020, 1, 1, tzinfo=UTC)


def test_cancelling_twice_gives_the_same_file(tmp_path: Path) -> None:
    calendar = IcsCalendar(tmp_path)
    path = tmp_path / "invites" / "abc123.ics"
    calendar.publish_series(series())
    calendar.cancel_series(series(sequence=1))
    cancelled = path.read_bytes()

    calendar.cancel_series(series(sequence=1))

    assert path.read_bytes() == cancelled
    assert str(Calendar.from_ical(cancelled)["METHOD"]) == "CANCEL"
    assert sorted(p.name for p in (tmp_path / "invites").iterdir()) == ["abc123.ics"]


def test_a_plan_id_that_is_not_a_file_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not usable as a file name"):
        IcsCalendar(tmp_path).publish_series(series(plan_id="../abc123"))
