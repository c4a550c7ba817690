"""The check-in invite: one RFC 5545 series that agrees with the workflow's timers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
from dateutil.rrule import rrulestr
from icalendar import Calendar, Event
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.calendar import CalendarActivities, CalendarSeriesRef
from coaching.org import Person
from coaching.plan import CadenceFrequency, PlanContent
from coaching.schedule import check_in_times
from integrations.calendar import CheckInSeries, MovedCheckIn
from tests.activities.conftest import END, MANAGER, MEMBER, SKIP, START

BERLIN = ZoneInfo("Europe/Berlin")
PLAN_ID = "p1a2b3c4"
THURSDAY = datetime(2026, 10, 22, 10, 0, tzinfo=BERLIN)
FRIDAY = datetime(2026, 10, 23, 10, 0, tzinfo=BERLIN)


def series_for(content: PlanContent, sequence: int = 0, **changes: object) -> CheckInSeries:
    """The series as the workflow builds it: from the first to the last check-in."""
    times = check_in_times(content.cadence, content.timeline.start, content.timeline.end)
    series = CheckInSeries(
        plan_id=PLAN_ID,
        uid=f"coaching-plan-{PLAN_ID}-check-ins@coachplan",
        organizer=MANAGER,
        attendees=[MANAGER, MEMBER],
        first_at=times[0],
        until=times[-1],
        weekday=content.cadence.weekday,
        interval_weeks=content.cadence.frequency.interval_weeks,
        time_zone=content.cadence.time_zone,
        sequence=sequence,
        description="Check-in on the coaching plan: progress, support, feedback.",
    )
    return series.model_copy(update=changes)


def moved(occurrence_at: datetime, at: datetime = FRIDAY) -> MovedCheckIn:
    return MovedCheckIn(occurrence_at=occurrence_at, at=at)


def check_ins_shown(tmp_path: Path) -> list[datetime]:
    """What a calendar client shows: the rule with its skips, moves and end applied."""
    invite = Calendar.from_ical(invite_path(tmp_path).read_bytes())
    events = recurring_ical_events.of(invite).between(date(2026, 10, 1), date(2026, 12, 1))
    return sorted(event.decoded("dtstart").astimezone(UTC) for event in events)


def schedule(calendar: CalendarActivities, series: CheckInSeries) -> CalendarSeriesRef:
    return ActivityEnvironment().run(calendar.schedule_check_ins, series)


def cancel(calendar: CalendarActivities, series: CheckInSeries) -> CalendarSeriesRef:
    return ActivityEnvironment().run(calendar.cancel_check_ins, series)


def end(calendar: CalendarActivities, series: CheckInSeries) -> CalendarSeriesRef:
    return ActivityEnvironment().run(calendar.end_check_ins, series)


def invite_path(tmp_path: Path) -> Path:
    return tmp_path / "invites" / f"{PLAN_ID}.ics"


def read_invite(tmp_path: Path) -> tuple[Calendar, Event]:
    invite = Calendar.from_ical(invite_path(tmp_path).read_bytes())
    [event] = invite.events
    return invite, event


def test_the_series_repeats_on_the_cadence_until_the_last_check_in_in_utc(
    calendar: CalendarActivities, content: PlanContent, tmp_path: Path
) -> None:
    schedule(calendar, series_for(content))
    invite, event = read_invite(tmp_path)

    rule = event["RRULE"]
    assert str(invite["METHOD"]) == "REQUEST"
    assert rule["FREQ"] == ["WEEKLY"]
    assert rule["INTERVAL"] == [1]
    assert rule["BYDAY"] == ["TH"]
    assert rule["UNTIL"] == [datetime(2026, 11, 5, 9, 0, tzinfo=UTC)]
    assert "UNTIL=20261105T090000Z" in invite_path(tmp_path).read_text()


def test_the_series_starts_at_the_agreed_local_time_in_the_member_s_zone(
    calendar: CalendarActivities, content: PlanContent, tmp_path: Path
) -> None:
    schedule(calendar, series_for(content))
    invite, event = read_invite(tmp_path)

    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert event.decoded("dtstart") == datetime(2026, 10, 15, 10, 0, tzinfo=BERLIN)
    assert event.decoded("dtend") == datetime(2026, 10, 15, 10, 30, tzinfo=BERLIN)
    assert [str(zone["TZID"]) for zone in invite.walk("VTIMEZONE")] == ["Europe/Berlin"]


def test_only_manager_and_team_member_are_invited_by_the_manager(
    calendar: CalendarActivities, content: PlanContent, tmp_path: Path
) -> None:
    ref = schedule(calendar, series_for(content))
    _, event = read_invite(tmp_path)

    attendees = event["ATTENDEE"]
    assert sorted(str(attendee) for attendee in attendees) == sorted(
        [f"mailto:{MANAGER.email}", f"mailto:{MEMBER.email}"]
    )
    for attendee in attendees:
        assert attendee.params["ROLE"] == "REQ-PARTICIPANT"
        assert attendee.params["RSVP"] == "TRUE"
    assert {attendee.params["CN"] for attendee in attendees} == {MANAGER.name, MEMBER.name}
    assert str(event["ORGANIZER"]) == f"mailto:{MANAGER.email}"
    assert str(event["UID"]) == ref.uid
    assert event["SEQUENCE"] == 0
    assert str(event["SUMMARY"]) == "Coaching plan check-in"
    assert ref.uri == invite_path(tmp_path).resolve().as_uri()


@pytest.mark.parametrize("frequency", list(CadenceFrequency))
def test_the_occurrences_are_the_workflow_s_check_ins_across_the_dst_change(
    calendar: CalendarActivities, content: PlanContent, tmp_path: Path, frequency: CadenceFrequency
) -> None:
    content = content.model_copy(
        update={"cadence": content.cadence.model_copy(update={"frequency": frequency})}
    )
    schedule(calendar, series_for(content))
    _, event = read_invite(tmp_path)

    rule = rrulestr(event["RRULE"].to_ical().decode(), dtstart=event.decoded("dtstart"))
    occurrences = [moment.astimezone(UTC) for moment in rule]

    expected = check_in_times(content.cadence, START, END)
    assert occurrences == expected
    assert {moment.astimezone(BERLIN).hour for moment in occurrences} == {10}
    assert {moment.hour for moment in occurrences} == {8, 9}


def test_cancelling_ends_the_series_with_a_higher_sequence(
    calendar: CalendarActivities, content: PlanContent, tmp_path: Path
) -> None:
    schedule(calendar, series_for(content))
    ref = cancel(calendar, series_for(content, sequence=1))
    invite, event = read_invite(tmp_path)

    assert str(invite["METHOD"]) == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert event["SEQUENCE"] == ref.sequence == 1
    assert str(event["UID"]) == series_for(content).uid


def test_scheduling_twice_writes_the_same_invite(
    calendar: CalendarActivities, content: PlanContent, tmp_path: Path
) -> None:
    first = schedule(calendar, series_for(content))
    written = invite_path(tmp_path).read_bytes()

    assert schedule(calendar, series_for(content)) == first
    assert invite_path(tmp_path).read_bytes() == written
    assert [path.name for path in (tmp_path / "invites").iterdir()] == [f"{PLAN_ID}.ics"]


@pytest.mark.parametrize(
    ("attendees", "organizer"),
    [
        ([MANAGER, MEMBER, SKIP], MANAGER),
        ([MEMBER, SKIP], MANAGER),
        ([MANAGER], MANAGER),
        ([MANAGER, MANAGER], MANAGER),
        ([MANAGER, MEMBER], SKIP),
    ],
    ids=["third person", "organizer missing", "alone", "twice the same", "wrong organizer"],
)
def test_anyone_but_manager_and_team_member_is_refused(
    calendar: CalendarActivities,
    content: PlanContent,
    tmp_path: Path,
    attendees: list[Person],
    organizer: Person,
) -> None:
    series = series_for(content, attendees=attendees, organizer=organizer)

    for run in (schedule, cancel, end):
        with pytest.raises(ApplicationError, match="exactly the organizer") as refused:
            run(calendar, series)
        assert refused.value.non_retryable
    assert not (tmp_path / "invites").exists()


def test_a_plan_with_one_check_in_has_a_series_of_one(
    calendar: CalendarActivities, content: PlanContent, tmp_path: Path
) -> None:
    """A short plan (a week, say) has a single check-in: the series starts and ends on it."""
    first = series_for(content).first_at
    schedule(calendar, series_for(content, until=first))

    assert check_ins_shown(tmp_path) == [first.astimezone(UTC)]


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"interval_weeks": 0}, "interval_weeks"),
        ({"until": datetime(2026, 10, 1, tzinfo=UTC)}, "until must not be before"),
        ({"first_at": datetime(2026, 10, 15, 10, 0)}, "need a time zone"),
        ({"time_zone": "Mars/Olympus"}, "not a known time zone"),
        ({"first_at": datetime(2026, 10, 16, 8, 0, tzinfo=UTC)}, "not a thursday"),
        ({"skipped": [datetime(2026, 10, 23, 10, 0, tzinfo=BERLIN)]}, "not a check-in"),
        ({"skipped": [datetime(2026, 10, 22, 11, 0, tzinfo=BERLIN)]}, "not a check-in"),
        ({"skipped": [datetime(2026, 10, 8, 10, 0, tzinfo=BERLIN)]}, "not a check-in"),
        ({"skipped": [datetime(2026, 11, 12, 10, 0, tzinfo=BERLIN)]}, "after the series' last"),
        ({"skipped": [datetime(2026, 10, 22, 10, 0)]}, "need a time zone"),
        ({"moved": [moved(datetime(2026, 10, 21, 10, 0, tzinfo=BERLIN))]}, "not a check-in"),
        ({"moved": [moved(THURSDAY, at=datetime(2026, 10, 23, 10, 0))]}, "need a time zone"),
        ({"skipped": [THURSDAY, THURSDAY.astimezone(UTC)]}, "skipped twice"),
        ({"moved": [moved(THURSDAY)], "skipped": [THURSDAY]}, "moved or skipped twice"),
        ({"moved": [moved(THURSDAY), moved(THURSDAY, at=FRIDAY + timedelta(1))]}, "twice"),
    ],
)
def test_a_series_that_cannot_be_right_is_refused(
    calendar: CalendarActivities, content: PlanContent, changes: dict[str, object], problem: str
) -> None:
    with pytest.raises(ApplicationError, match=problem) as refused:
        schedule(calendar, series_for(content, **changes))
    assert refused.value.non_retryable


def test_a_move_and_a_skip_are_published_with_the_next_sequence(
    calendar: CalendarActivities, content: PlanContent, tmp_path: Path
) -> None:
    schedule(calendar, series_for(content))
    times = check_in_times(content.cadence, START, END)

    ref = schedule(
        calendar, series_for(content, sequence=1, moved=[moved(THURSDAY)], skipped=[times[2]])
    )

    assert ref.sequence == 1
    assert check_ins_shown(tmp_path) == [times[0], FRIDAY.astimezone(UTC), times[3]]
    invite = Calendar.from_ical(invite_path(tmp_path).read_bytes())
    assert [event["SEQUENCE"] for event in invite.events] == [1, 1]


def test_ending_early_keeps_the_check_ins_held_before_the_closing_moment(
    calendar: CalendarActivities, content: PlanContent, tmp_path: Path
) -> None:
    """A check-in moved to after the end is dropped; the same end again gives the same ref."""
    times = check_in_times(content.cadence, START, END)
    changes = {"moved": [moved(THURSDAY), moved(times[3], times[3] + timedelta(hours=2))]}
    schedule(calendar, series_for(content, sequence=1, **changes))
    closing = datetime(2026, 10, 28, 17, 5, 42, tzinfo=BERLIN)

    ref = end(calendar, series_for(content, sequence=2, until=closing, **changes))

    invite = Calendar.from_ical(invite_path(tmp_path).read_bytes())
    assert ref.sequence == 2
    assert ref.uri == invite_path(tmp_path).resolve().as_uri()
    assert str(invite["METHOD"]) == "REQUEST"
    assert check_ins_shown(tmp_path) == [times[0], FRIDAY.astimezone(UTC)]
    assert end(calendar, series_for(content, sequence=2, until=closing, **changes)) == ref


def test_ending_before_the_first_check_in_cancels_the_series(
    calendar: CalendarActivities, content: PlanContent, tmp_path: Path
) -> None:
    schedule(calendar, series_for(content))
    closing = datetime(2026, 10, 14, 16, 0, tzinfo=BERLIN)

    ref = end(calendar, series_for(content, sequence=1, until=closing))

    invite, event = read_invite(tmp_path)
    assert str(invite["METHOD"]) == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert event["SEQUENCE"] == ref.sequence == 1


def test_ending_lets_go_of_moves_and_skips_after_the_closing_moment(
    calendar: CalendarActivities, content: PlanContent, tmp_path: Path
) -> None:
    """They were valid when made; the closing moment, not the last check-in, is now `until`."""
    times = check_in_times(content.cadence, START, END)
    closing = datetime(2026, 10, 20, 12, 0, tzinfo=BERLIN)
    ended = series_for(
        content, sequence=1, until=closing, moved=[moved(THURSDAY)], skipped=[times[3]]
    )

    end(calendar, ended)

    with pytest.raises(ApplicationError, match="after the series' last") as refused:
        schedule(calendar, ended.model_copy(update={"until": times[2]}))
    assert refused.value.non_retryable
    assert check_ins_shown(tmp_path) == [times[0]]
