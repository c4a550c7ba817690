"""The .ics calendar: one file per plan, rewritten identically for the same request, read back
as a calendar client would (moves, skips and an early end applied)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import recurring_ical_events
from icalendar import Calendar, Event

from coaching.org import Person
from coaching.plan import Weekday
from integrations.calendar import CheckInSeries, MovedCheckIn
from integrations.local.calendar import IcsCalendar
from tests.integrations.calendar_examples import BERLIN, THURSDAYS, berlin_series

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


def moved(occurrence_at: datetime, at: datetime) -> MovedCheckIn:
    return MovedCheckIn(occurrence_at=occurrence_at, at=at)


def expanded(path: Path) -> list[datetime]:
    """The check-ins as a calendar client shows them: rule, skips and moves applied."""
    invite = Calendar.from_ical(path.read_bytes())
    events = recurring_ical_events.of(invite).between(date(2026, 9, 1), date(2027, 1, 1))
    return sorted(event.decoded("dtstart") for event in events)


def lines(event: Event, name: str) -> list[str]:
    return [
        str(line)
        for line in event.content_lines()
        if line.startswith(f"{name}:") or line.startswith(f"{name};")
    ]


def overrides(path: Path) -> list[Event]:
    return [
        event for event in Calendar.from_ical(path.read_bytes()).events if "RECURRENCE-ID" in event
    ]


def test_a_moved_check_in_is_held_at_its_new_time_and_the_others_stay(tmp_path: Path) -> None:
    thursday, friday = THURSDAYS[1], datetime(2026, 10, 23, 10, 0, tzinfo=BERLIN)
    IcsCalendar(tmp_path).publish_series(berlin_series(moved=[moved(thursday, friday)]))
    path = tmp_path / "invites" / "abc123.ics"

    starts = expanded(path)
    assert starts == [THURSDAYS[0], friday, *THURSDAYS[2:]]
    assert {str(start.tzinfo) for start in starts} == {"Europe/Berlin"}
    assert {start.hour for start in starts} == {10}

    invite = Calendar.from_ical(path.read_bytes())
    master, override = invite.events
    assert [event["UID"] for event in invite.events] == [master["UID"]] * 2
    assert override["RECURRENCE-ID"].params["TZID"] == "Europe/Berlin"
    assert override.decoded("recurrence-id") == thursday
    assert override["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert override.decoded("dtstart") == friday
    assert override.decoded("dtend") == datetime(2026, 10, 23, 10, 30, tzinfo=BERLIN)
    assert override["SEQUENCE"] == master["SEQUENCE"] == 1
    for name in ("SUMMARY", "ORGANIZER", "ATTENDEE", "STATUS", "DTSTAMP"):
        assert lines(override, name) == lines(master, name) != []
    assert "RRULE" not in override


def test_across_the_change_of_time_every_check_in_and_the_move_stay_at_10_local(
    tmp_path: Path,
) -> None:
    after_the_change = THURSDAYS[2]
    friday = datetime(2026, 10, 30, 10, 0, tzinfo=BERLIN)
    IcsCalendar(tmp_path).publish_series(berlin_series(moved=[moved(after_the_change, friday)]))
    path = tmp_path / "invites" / "abc123.ics"

    starts = expanded(path)
    assert starts == [*THURSDAYS[:2], friday, THURSDAYS[3]]
    assert {start.astimezone(BERLIN).hour for start in starts} == {10}
    assert [start.astimezone(UTC).hour for start in starts] == [8, 8, 9, 9]
    [override] = overrides(path)
    assert override.decoded("recurrence-id").astimezone(UTC) == datetime(
        2026, 10, 29, 9, 0, tzinfo=UTC
    )
    assert [str(zone["TZID"]) for zone in Calendar.from_ical(path.read_bytes()).timezones] == [
        "Europe/Berlin"
    ]


def test_a_skipped_check_in_is_excluded_and_the_rest_remain(tmp_path: Path) -> None:
    calendar = IcsCalendar(tmp_path)
    path = tmp_path / "invites" / "abc123.ics"
    calendar.publish_series(berlin_series(sequence=0))

    calendar.publish_series(berlin_series(sequence=1, skipped=[THURSDAYS[1], THURSDAYS[2]]))

    assert expanded(path) == [THURSDAYS[0], THURSDAYS[3]]
    [master] = Calendar.from_ical(path.read_bytes()).events
    assert master["SEQUENCE"] == 1
    assert path.read_text().count("EXDATE;TZID=Europe/Berlin:") == 2
    assert "EXDATE;TZID=Europe/Berlin:20261029T100000" in path.read_text()


def test_the_same_moves_and_skips_again_give_the_identical_file(tmp_path: Path) -> None:
    calendar = IcsCalendar(tmp_path)
    path = tmp_path / "invites" / "abc123.ics"
    changed = berlin_series(
        moved=[moved(THURSDAYS[3], datetime(2026, 11, 6, 10, 0, tzinfo=BERLIN))],
        skipped=[THURSDAYS[1]],
    )
    calendar.publish_series(changed)
    written_earlier = re.sub(rb"DTSTAMP:\w+", b"DTSTAMP:20200101T000000Z", path.read_bytes())
    path.write_bytes(written_earlier)

    calendar.publish_series(changed)
    assert path.read_bytes() == written_earlier

    calendar.end_series(changed.model_copy(update={"until": THURSDAYS[2], "sequence": 2}))
    ended = path.read_bytes()
    calendar.end_series(changed.model_copy(update={"until": THURSDAYS[2], "sequence": 2}))
    assert path.read_bytes() == ended


def test_an_ended_series_keeps_the_check_ins_before_the_closing_moment(tmp_path: Path) -> None:
    calendar = IcsCalendar(tmp_path)
    path = tmp_path / "invites" / "abc123.ics"
    friday = datetime(2026, 10, 23, 10, 0, tzinfo=BERLIN)
    changes = {
        "moved": [moved(THURSDAYS[1], friday), moved(THURSDAYS[3], THURSDAYS[3] + timedelta(1))],
        "skipped": [THURSDAYS[2]],
    }
    calendar.publish_series(berlin_series(sequence=1, **changes))
    closing = datetime(2026, 10, 27, 16, 45, 12, 345678, tzinfo=BERLIN)

    uri = calendar.end_series(berlin_series(sequence=2, until=closing, **changes))

    assert uri == path.resolve().as_uri()
    assert expanded(path) == [THURSDAYS[0], friday]
    invite = Calendar.from_ical(path.read_bytes())
    assert str(invite["METHOD"]) == "REQUEST"
    assert [event["SEQUENCE"] for event in invite.events] == [2, 2]
    assert [event.decoded("recurrence-id") for event in overrides(path)] == [THURSDAYS[1]]
    assert "UNTIL=20261027T154512Z" in path.read_text()
    assert "EXDATE" not in path.read_text()


def test_a_check_in_moved_across_the_closing_moment_follows_where_it_was_held(
    tmp_path: Path,
) -> None:
    """Moved later past the end: it never took place. Moved earlier from after it: it did."""
    tuesday, friday = (datetime(2026, 10, day, 10, 0, tzinfo=BERLIN) for day in (27, 30))
    closing = datetime(2026, 10, 28, 12, 0, tzinfo=BERLIN)
    series = berlin_series(
        sequence=3,
        until=closing,
        moved=[moved(THURSDAYS[1], friday), moved(THURSDAYS[2], tuesday)],
    )

    IcsCalendar(tmp_path).end_series(series)
    path = tmp_path / "invites" / "abc123.ics"

    assert expanded(path) == [THURSDAYS[0], tuesday]
    [override] = overrides(path)
    assert override.decoded("recurrence-id") == THURSDAYS[2]
    assert "EXDATE;TZID=Europe/Berlin:20261022T100000" in path.read_text()
    assert "RDATE;TZID=Europe/Berlin:20261029T100000" in path.read_text()


@pytest.mark.parametrize("occurrence", [0, 1], ids=["the first", "the second"])
def test_a_check_in_moved_before_an_early_closing_is_all_that_stays(
    tmp_path: Path, occurrence: int
) -> None:
    """RFC 5545 always counts DTSTART: after the end, it is excluded unless it is the move."""
    monday = datetime(2026, 10, 12, 10, 0, tzinfo=BERLIN)
    closing = datetime(2026, 10, 13, 9, 0, tzinfo=BERLIN)
    series = berlin_series(until=closing, moved=[moved(THURSDAYS[occurrence], monday)])

    IcsCalendar(tmp_path).end_series(series)
    path = tmp_path / "invites" / "abc123.ics"

    assert expanded(path) == [monday]
    written = path.read_text()
    assert ("EXDATE;TZID=Europe/Berlin:20261015T100000" in written) is (occurrence == 1)
    assert ("RDATE;TZID=Europe/Berlin:20261022T100000" in written) is (occurrence == 1)
    assert written.count("RDATE") == occurrence


@pytest.mark.parametrize(
    "changes",
    [
        {"until": datetime(2026, 10, 14, 18, 0, tzinfo=BERLIN)},
        {"until": datetime(2026, 10, 28, 0, 0, tzinfo=BERLIN), "skipped": THURSDAYS[:2]},
        {
            "until": datetime(2026, 10, 21, 0, 0, tzinfo=BERLIN),
            "moved": [moved(THURSDAYS[0], datetime(2026, 10, 21, 10, 0, tzinfo=BERLIN))],
        },
    ],
    ids=["before the first", "every one before skipped", "the only one moved past the end"],
)
def test_closing_before_any_check_in_took_place_cancels_the_series(
    tmp_path: Path, changes: dict[str, object]
) -> None:
    calendar = IcsCalendar(tmp_path)
    path = tmp_path / "invites" / "abc123.ics"
    calendar.publish_series(berlin_series(sequence=0))

    calendar.end_series(berlin_series(sequence=1, **changes))

    invite = Calendar.from_ical(path.read_bytes())
    [event] = invite.events
    assert str(invite["METHOD"]) == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert event["SEQUENCE"] == 1
    assert "RECURRENCE-ID" not in event
    assert "EXDATE" not in event
