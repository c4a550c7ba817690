"""Google Calendar against the fake over real HTTP: one recurring event per plan, organized by
the manager, changed one instance at a time, safe to call again after a lost answer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from coaching.plan import CadenceFrequency, UpdateCadence, Weekday
from coaching.status import CheckIn
from integrations.calendar import CheckInCalendar, CheckInSeries, DeclinedCheckIn, MovedCheckIn
from integrations.failures import IntegrationFailure
from integrations.google.calendar import GoogleCalendar, event_id
from integrations.google.workspace import GoogleApi, GoogleWorkspace
from tests.fake_google import FakeGoogle, running_fake_google
from tests.integrations import calendar_examples
from tests.integrations.calendar_examples import BERLIN, THURSDAYS
from tests.plan_examples import MANAGER, MEMBER, PARTIES

DESCRIPTION = "Your coaching plan: https://coachplan.example.com/plans/abc123"


class Google:
    def __init__(self, fake: FakeGoogle, workspace: GoogleWorkspace) -> None:
        self.fake = fake
        self.workspace = workspace
        self.calendar: CheckInCalendar = GoogleCalendar(workspace)

    def event(self, series: CheckInSeries) -> dict[str, Any]:
        event = self.fake.calendar.event(MANAGER.email, event_id(series))
        assert event is not None
        return event

    def starts(self, series: CheckInSeries, calendar_id: str = MANAGER.email) -> list[datetime]:
        """The check-ins as the calendar shows them: rule, skips and moves applied."""
        instances = self.fake.calendar.instances_of(calendar_id, event_id(series))
        return [datetime.fromisoformat(i["start"]["dateTime"]) for i in instances]

    def writes(self) -> list[tuple[str, str | None]]:
        return [(write.method, write.send_updates) for write in self.fake.calendar.writes]


@pytest.fixture
def google(tmp_path: Path) -> Iterator[Google]:
    with running_fake_google() as (fake, url):
        key_file = fake.key_file(tmp_path / "service-account.json", url)
        yield Google(fake, GoogleWorkspace.from_key_file(key_file, api_endpoint=url))


def berlin_series(sequence: int = 0, **changes: object) -> CheckInSeries:
    return calendar_examples.berlin_series(sequence, **{"description": DESCRIPTION, **changes})


def moved(occurrence_at: datetime, at: datetime) -> MovedCheckIn:
    return MovedCheckIn(occurrence_at=occurrence_at, at=at)


def test_a_series_is_one_recurring_event_the_manager_organizes(google: Google) -> None:
    series = berlin_series(interval_weeks=2, until=THURSDAYS[2].astimezone(UTC))

    address = google.calendar.publish_series(series)

    event = google.event(series)
    assert address == event["htmlLink"]
    assert event["id"] == event_id(series)
    assert event["organizer"] == {"email": MANAGER.email, "self": True}
    assert event["recurrence"] == ["RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TH;UNTIL=20261029T090000Z"]
    assert event["start"] == {"dateTime": "2026-10-15T10:00:00+02:00", "timeZone": "Europe/Berlin"}
    assert event["end"] == {"dateTime": "2026-10-15T10:30:00+02:00", "timeZone": "Europe/Berlin"}
    assert event["attendees"] == [
        {"email": MANAGER.email, "displayName": MANAGER.name, "responseStatus": "needsAction"},
        {"email": MEMBER.email, "displayName": MEMBER.name, "responseStatus": "needsAction"},
    ]
    assert event["extendedProperties"] == {
        "private": {"coachplanPlanId": "abc123", "coachplanStep": "check-ins"}
    }
    assert (event["summary"], event["description"]) == (series.summary, DESCRIPTION)
    assert (event["sequence"], event["guestsCanInviteOthers"]) == (0, False)
    assert google.writes() == [("insert", "all")]
    assert google.starts(series) == [THURSDAYS[0], THURSDAYS[2]]
    assert google.starts(series, calendar_id=MEMBER.email) == [THURSDAYS[0], THURSDAYS[2]]
    assert {grant.subject for grant in google.fake.tokens.values()} == {MANAGER.email}


def test_the_plan_s_event_is_found_by_its_plan_id(google: Google) -> None:
    google.calendar.publish_series(berlin_series())
    google.calendar.publish_series(berlin_series(plan_id="other", uid="other@coachplan"))
    events = google.workspace.client(GoogleApi.calendar, MEMBER.email).events()

    found = events.list(
        calendarId="primary", privateExtendedProperty="coachplanPlanId=abc123"
    ).execute()

    assert [event["id"] for event in found["items"]] == [event_id(berlin_series())]


def test_publishing_again_changes_nothing_and_an_update_keeps_the_answers(
    google: Google,
) -> None:
    google.calendar.publish_series(berlin_series())
    google.calendar.publish_series(berlin_series())
    assert google.writes() == [("insert", "all")]
    google.fake.calendar.respond(event_id(berlin_series()), None, MEMBER.email, "accepted")

    google.calendar.publish_series(berlin_series(sequence=1, summary="Coaching check-in"))

    event = google.event(berlin_series())
    assert google.writes() == [("insert", "all"), ("update", "all")]
    assert (event["sequence"], event["summary"]) == (1, "Coaching check-in")
    assert [a["responseStatus"] for a in event["attendees"]] == ["needsAction", "accepted"]
    assert len(google.fake.calendar.events) == 1


def test_a_moved_and_a_skipped_check_in_change_just_their_instances(google: Google) -> None:
    google.calendar.publish_series(berlin_series())
    google.fake.calendar.page_size = 3
    friday = datetime(2026, 10, 30, 10, 0, tzinfo=BERLIN)
    changed = berlin_series(sequence=1, moved=[moved(THURSDAYS[2], friday)], skipped=[THURSDAYS[1]])

    google.calendar.publish_series(changed)

    assert google.starts(changed) == [THURSDAYS[0], friday, THURSDAYS[3]]
    assert {start.hour for start in google.starts(changed)} == {10}
    instances = google.fake.calendar.instances_of(MANAGER.email, event_id(changed), True)
    assert [i["status"] for i in instances] == ["confirmed", "cancelled", "confirmed", "confirmed"]
    assert instances[2]["originalStartTime"]["dateTime"] == "2026-10-29T10:00:00+01:00"
    assert instances[2]["end"]["dateTime"] == "2026-10-30T10:30:00+01:00"
    assert google.writes() == [("insert", "all"), ("update", "all"), *[("patch", "all")] * 2]

    google.calendar.publish_series(changed)
    assert len(google.writes()) == 4


def test_a_check_in_no_longer_moved_is_put_back(google: Google) -> None:
    friday = datetime(2026, 10, 23, 10, 0, tzinfo=BERLIN)
    google.calendar.publish_series(berlin_series(moved=[moved(THURSDAYS[1], friday)]))

    google.calendar.publish_series(berlin_series(sequence=1))

    assert google.starts(berlin_series()) == THURSDAYS


def test_an_ended_series_keeps_the_check_ins_before_the_closing_moment(google: Google) -> None:
    friday = datetime(2026, 10, 23, 10, 0, tzinfo=BERLIN)
    changes = {
        "moved": [moved(THURSDAYS[1], friday), moved(THURSDAYS[3], THURSDAYS[3] + timedelta(1))],
        "skipped": [THURSDAYS[2]],
    }
    google.calendar.publish_series(berlin_series(sequence=1, **changes))
    closing = datetime(2026, 10, 27, 16, 45, 12, 345678, tzinfo=BERLIN)
    ending = berlin_series(sequence=2, until=closing, **changes)

    address = google.calendar.end_series(ending)

    event = google.event(ending)
    assert address == event["htmlLink"]
    assert event["recurrence"] == ["RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=TH;UNTIL=20261027T154512Z"]
    assert (event["status"], event["sequence"]) == ("confirmed", 2)
    assert google.starts(ending) == [THURSDAYS[0], friday]
    writes = len(google.writes())

    google.calendar.end_series(ending)
    assert len(google.writes()) == writes


def test_a_check_in_moved_before_the_closing_from_after_it_stays(google: Google) -> None:
    tuesday, friday = (datetime(2026, 10, day, 10, 0, tzinfo=BERLIN) for day in (27, 30))
    closing = datetime(2026, 10, 28, 12, 0, tzinfo=BERLIN)
    changes = {"moved": [moved(THURSDAYS[1], friday), moved(THURSDAYS[2], tuesday)]}
    google.calendar.publish_series(berlin_series(**changes))

    google.calendar.end_series(berlin_series(sequence=1, until=closing, **changes))

    assert google.starts(berlin_series()) == [THURSDAYS[0], tuesday]
    assert google.event(berlin_series())["recurrence"] == [
        "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=TH;UNTIL=20261028T110000Z",
        "RDATE;TZID=Europe/Berlin:20261029T100000",
    ]


@pytest.mark.parametrize("occurrence", [0, 1], ids=["the first", "the second"])
def test_a_check_in_moved_before_an_early_closing_is_all_that_stays(
    google: Google, occurrence: int
) -> None:
    """The event's first start always counts: after the end, it is cancelled unless moved."""
    monday = datetime(2026, 10, 12, 10, 0, tzinfo=BERLIN)
    closing = datetime(2026, 10, 13, 9, 0, tzinfo=BERLIN)
    changes = {"moved": [moved(THURSDAYS[occurrence], monday)]}
    google.calendar.publish_series(berlin_series(**changes))

    google.calendar.end_series(berlin_series(sequence=1, until=closing, **changes))

    assert google.starts(berlin_series()) == [monday]


@pytest.mark.parametrize(
    "changes",
    [
        {"until": datetime(2026, 10, 14, 18, 0, tzinfo=BERLIN)},
        {"until": datetime(2026, 10, 28, 0, 0, tzinfo=BERLIN), "skipped": THURSDAYS[:2]},
    ],
    ids=["before the first", "every one before skipped"],
)
def test_ending_before_any_check_in_took_place_cancels_the_event(
    google: Google, changes: dict[str, object]
) -> None:
    google.calendar.publish_series(berlin_series())

    address = google.calendar.end_series(berlin_series(sequence=1, **changes))
    google.calendar.end_series(berlin_series(sequence=1, **changes))

    assert address.startswith("https://calendar.google.com/calendar/event?eid=")
    assert google.event(berlin_series())["status"] == "cancelled"
    assert google.writes() == [("insert", "all"), ("delete", "all")]
    assert [call.status for call in google.fake.calls_to("calendar")][-1] == 410


def test_cancelling_twice_or_a_series_never_published_is_fine(google: Google) -> None:
    google.calendar.publish_series(berlin_series())

    google.calendar.cancel_series(berlin_series(sequence=1))
    google.calendar.cancel_series(berlin_series(sequence=1))
    google.calendar.cancel_series(berlin_series(plan_id="other", uid="other@coachplan"))

    assert google.event(berlin_series())["status"] == "cancelled"
    assert google.writes() == [("insert", "all"), ("delete", "all")]
    assert [call.status for call in google.fake.calls_to("calendar")][-3:] == [204, 410, 404]


def ongoing_series() -> CheckInSeries:
    """Weekly check-ins that began two weeks ago and go on for four more."""
    cadence = UpdateCadence(
        frequency=CadenceFrequency.weekly,
        weekday=Weekday.thursday,
        time=time(10, 0),
        time_zone="Europe/Berlin",
    )
    today = datetime.now(BERLIN).date()
    next_thursday = today + timedelta(days=(Weekday.thursday.number - today.weekday()) % 7 or 7)
    check_ins = [
        CheckIn(number=number, due_at=cadence.at(next_thursday + timedelta(weeks=week)))
        for number, week in enumerate(range(-2, 4), start=1)
    ]
    return CheckInSeries.of_check_ins("abc123", PARTIES, cadence, check_ins)


def test_declined_check_ins_are_those_ahead_an_attendee_declined(google: Google) -> None:
    series = ongoing_series()
    google.calendar.publish_series(series)
    google.fake.calendar.page_size = 2
    past, _, ahead, later, *_ = series.occurrences()
    for occurrence in (past, ahead):
        google.fake.calendar.respond(event_id(series), occurrence, MEMBER.email, "declined")
    google.fake.calendar.respond(event_id(series), later, MANAGER.email, "accepted")

    declined = google.calendar.declined_check_ins(series)

    assert declined == [DeclinedCheckIn(occurrence_at=ahead, email=MEMBER.email)]
    assert google.calendar.declined_check_ins(berlin_series(plan_id="x", uid="x")) == []


def test_an_insert_whose_answer_was_lost_is_not_made_twice(google: Google) -> None:
    google.fake.calendar.lose_next_answers(1)
    with pytest.raises(IntegrationFailure) as lost:
        google.calendar.publish_series(berlin_series())
    assert lost.value.retryable

    google.calendar.publish_series(berlin_series())

    assert google.writes() == [("insert", "all")]
    assert google.event(berlin_series())["description"] == DESCRIPTION


def test_a_retry_racing_the_attempt_that_created_the_event_updates_it(google: Google) -> None:
    """The retry looked first (404) and the earlier attempt's insert landed before its own."""
    google.calendar.publish_series(berlin_series())
    google.fake.fail_next("calendar", 404, "notFound")

    google.calendar.publish_series(berlin_series(sequence=1, description="Updated"))

    assert [call.status for call in google.fake.calls_to("calendar")][2:] == [
        404,
        409,
        200,
        200,
        200,
    ]
    assert google.writes() == [("insert", "all"), ("update", "all")]
    assert len(google.fake.calendar.events) == 1
    assert google.event(berlin_series())["description"] == "Updated"


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (429, "rateLimitExceeded"),
        (500, "backendError"),
        (503, "backendError"),
        (403, "rateLimitExceeded"),
        (403, "userRateLimitExceeded"),
    ],
)
def test_google_being_busy_is_retried(google: Google, status: int, reason: str) -> None:
    google.fake.fail_next("calendar", status, reason)

    with pytest.raises(IntegrationFailure) as failure:
        google.calendar.publish_series(berlin_series())

    assert failure.value.retryable
    assert f"{status} {reason}" in failure.value.message
    google.calendar.publish_series(berlin_series())
    assert google.writes() == [("insert", "all")]


@pytest.mark.parametrize(
    ("status", "reason", "fix"),
    [
        (403, "forbiddenForServiceAccounts", "the manager for check-ins"),
        (404, "notFound", "does not exist or the impersonated person cannot see it"),
        (403, "forbidden", "not allowed to do this in the Workspace setup"),
    ],
)
def test_a_refusal_is_not_retried_and_says_what_to_fix(
    google: Google, status: int, reason: str, fix: str
) -> None:
    google.fake.fail_next("calendar", status, reason, count=2)

    with pytest.raises(IntegrationFailure) as failure:
        google.calendar.publish_series(berlin_series())

    assert not failure.value.retryable
    assert "check-in series of plan abc123 in mia@example.com's calendar" in failure.value.message
    assert fix in failure.value.message


def test_delegation_without_the_calendar_scope_is_not_retried(google: Google) -> None:
    google.fake.delegated_scopes = {"https://www.googleapis.com/auth/drive"}

    with pytest.raises(IntegrationFailure) as failure:
        google.calendar.publish_series(berlin_series())

    assert (failure.value.kind, failure.value.retryable) == ("GoogleDelegationRefused", False)
