"""The check-in series as one recurring Google Calendar event in the manager's calendar.

The manager organizes it (the service account impersonates them), so Google sends the invite,
its updates and its cancellation to both attendees. Moved and skipped check-ins are changes
of single instances, as a person would make them in Calendar. Every write is made so that
doing it again changes nothing: Temporal retries an activity whose answer was lost.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from integrations.calendar import CheckInSeries, DeclinedCheckIn
from integrations.failures import IntegrationFailure
from integrations.google.failures import execute, execute_pages
from integrations.google.workspace import GoogleApi, GoogleWorkspace

PLAN_PROPERTY = "coachplanPlanId"
STEP_PROPERTY = "coachplanStep"
STEP = "check-ins"
EVENT_URL = "https://calendar.google.com/calendar/event?eid="
NOTIFY = "all"
"""Every write tells the attendees, as Calendar's "Send" button does."""


def event_id(series: CheckInSeries) -> str:
    """The same for every attempt, so a retried insert meets the event its first try made.

    Calendar ids are base32hex (a-v, 0-9), which hex digits are.
    """
    return "cp" + hashlib.sha256(series.uid.encode()).hexdigest()


class GoogleCalendar:
    """`CheckInCalendar` on Google Calendar, acting as each series' organizer."""

    def __init__(self, workspace: GoogleWorkspace) -> None:
        self._workspace = workspace

    def publish_series(self, series: CheckInSeries) -> str:
        events = self._events(series)
        event, inserted = self._put_master(events, series)
        if not inserted or series.moved or series.skipped:
            self._put_instances(events, series)
        return _address(series, event)

    def cancel_series(self, series: CheckInSeries) -> str:
        """Deleting the event is how Calendar cancels it: attendees get the cancellation."""
        request = self._events(series).delete(
            calendarId="primary", eventId=event_id(series), sendUpdates=NOTIFY
        )
        try:
            execute(request, f"cancelling {_name(series)}")
        except IntegrationFailure as failure:
            if not _answered(failure, 404, 410):
                raise
        return _address(series)

    def end_series(self, series: CheckInSeries) -> str:
        """An update with an earlier UNTIL, not a deletion, so that past check-ins stay."""
        ended = series.ended()
        if ended is None:
            return self.cancel_series(series)
        return self.publish_series(ended)

    def declined_check_ins(self, series: CheckInSeries) -> list[DeclinedCheckIn]:
        now = datetime.now(UTC).replace(microsecond=0)
        try:
            instances = list(self._instances(self._events(series), series, timeMin=now.isoformat()))
        except IntegrationFailure as failure:
            if _answered(failure, 404, 410):
                return []
            raise
        declined = [
            DeclinedCheckIn(
                occurrence_at=_moment(instance["originalStartTime"]), email=attendee["email"]
            )
            for instance in instances
            for attendee in instance.get("attendees", [])
            if attendee.get("responseStatus") == "declined"
        ]
        return sorted(declined, key=lambda check_in: (check_in.occurrence_at, check_in.email))

    def _events(self, series: CheckInSeries) -> Any:
        return self._workspace.client(GoogleApi.calendar, series.organizer.email).events()

    def _put_master(self, events: Any, series: CheckInSeries) -> tuple[dict[str, Any], bool]:
        """Creates the event or brings it up to date; True when this call created it.

        An insert answered 409 is a retry racing the attempt before it, which created the
        event after this one looked it up: it is updated instead.
        """
        wanted = _master(series)
        stored = self._get(events, series)
        if stored is None:
            request = events.insert(calendarId="primary", body=wanted, sendUpdates=NOTIFY)
            try:
                created: dict[str, Any] = execute(request, f"creating {_name(series)}")
            except IntegrationFailure as failure:
                if not _answered(failure, 409):
                    raise
                stored = self._get(events, series)
            else:
                return created, True
        if stored is not None and _master_is(stored, wanted):
            return stored, False
        request = events.update(
            calendarId="primary",
            eventId=wanted["id"],
            body=_update_of(stored, wanted),
            sendUpdates=NOTIFY,
        )
        updated: dict[str, Any] = execute(request, f"updating {_name(series)}")
        return updated, False

    def _get(self, events: Any, series: CheckInSeries) -> dict[str, Any] | None:
        """The event as stored; None when there is none (or only a deleted one)."""
        request = events.get(calendarId="primary", eventId=event_id(series))
        try:
            stored: dict[str, Any] = execute(request, f"looking up {_name(series)}")
        except IntegrationFailure as failure:
            if _answered(failure, 404, 410):
                return None
            raise
        return stored

    def _put_instances(self, events: Any, series: CheckInSeries) -> None:
        """Moves and cancels single instances as the series says, and puts back any that an
        earlier publish changed and the series no longer does."""
        moved = {check_in.occurrence_at: check_in.at for check_in in series.moved}
        skipped = set(series.skipped)
        found = set()
        for instance in self._instances(events, series, showDeleted=True):
            original = _moment(instance["originalStartTime"])
            found.add(original)
            if original in skipped:
                wanted: dict[str, Any] = {"status": "cancelled"}
            else:
                wanted = {"status": "confirmed", **_times(series, moved.get(original, original))}
            if _instance_is(instance, wanted):
                continue
            request = events.patch(
                calendarId="primary", eventId=instance["id"], body=wanted, sendUpdates=NOTIFY
            )
            execute(request, f"changing the check-in of {original.isoformat()} in {_name(series)}")
        missing = sorted(set(moved) - found)
        if missing:
            raise IntegrationFailure(
                f"Google Calendar has no check-in at {missing[0].isoformat()} in "
                f"{_name(series)} to move: the series and its moves disagree",
                kind="GoogleCalendarOccurrenceMissing",
                retryable=False,
            )

    def _instances(
        self, events: Any, series: CheckInSeries, **filters: Any
    ) -> Iterator[dict[str, Any]]:
        for page in execute_pages(
            lambda token: events.instances(
                calendarId="primary", eventId=event_id(series), pageToken=token, **filters
            ),
            f"listing the check-ins of {_name(series)}",
        ):
            yield from page.get("items", [])


def _master(series: CheckInSeries) -> dict[str, Any]:
    return {
        "id": event_id(series),
        "status": "confirmed",
        "summary": series.summary,
        "description": series.description,
        **_times(series, series.first_at),
        "recurrence": _recurrence(series),
        "attendees": [
            {"email": person.email, "displayName": person.name} for person in series.attendees
        ],
        "guestsCanInviteOthers": False,
        "extendedProperties": {"private": {PLAN_PROPERTY: series.plan_id, STEP_PROPERTY: STEP}},
        "sequence": series.sequence,
    }


def _recurrence(series: CheckInSeries) -> list[str]:
    """The weekly rule, plus an RDATE for each check-in held before an early end that the
    rule, cut at that end, no longer yields: its instance must exist to be moved."""
    zone = ZoneInfo(series.time_zone)
    until = series.until.astimezone(UTC)
    rule = (
        f"RRULE:FREQ=WEEKLY;INTERVAL={series.interval_weeks};BYDAY={series.weekday.ical};"
        f"UNTIL={until:%Y%m%dT%H%M%SZ}"
    )
    added = sorted(moved.occurrence_at for moved in series.moved if moved.occurrence_at > until)
    return [
        rule,
        *(
            f"RDATE;TZID={series.time_zone}:{start.astimezone(zone):%Y%m%dT%H%M%S}"
            for start in added
        ),
    ]


def _times(series: CheckInSeries, start: datetime) -> dict[str, dict[str, str]]:
    """Start and end in the member's zone, which keeps the meeting at the same local hour
    when their clocks change."""
    zone = ZoneInfo(series.time_zone)
    end = start.astimezone(UTC) + series.duration
    return {
        moment: {
            "dateTime": at.astimezone(zone).replace(microsecond=0).isoformat(),
            "timeZone": series.time_zone,
        }
        for moment, at in (("start", start), ("end", end))
    }


def _update_of(stored: dict[str, Any] | None, wanted: dict[str, Any]) -> dict[str, Any]:
    """Keeps the attendees' answers, and a sequence Google raised on its own (it refuses a
    lower one)."""
    if stored is None:
        return wanted
    answers = {
        str(attendee.get("email", "")).lower(): attendee["responseStatus"]
        for attendee in stored.get("attendees", [])
        if "responseStatus" in attendee
    }
    attendees = [
        {**attendee, "responseStatus": answers[attendee["email"].lower()]}
        if attendee["email"].lower() in answers
        else attendee
        for attendee in wanted["attendees"]
    ]
    sequence = max(wanted["sequence"], int(stored.get("sequence", 0)))
    return {**wanted, "attendees": attendees, "sequence": sequence}


def _master_is(stored: dict[str, Any], wanted: dict[str, Any]) -> bool:
    """Whether updating would change nothing: a retry then sends attendees no second email."""
    private = stored.get("extendedProperties", {}).get("private", {})
    return (
        stored.get("status") == wanted["status"]
        and stored.get("summary", "") == wanted["summary"]
        and stored.get("description", "") == wanted["description"]
        and all(_same_time(stored.get(key), wanted[key]) for key in ("start", "end"))
        and stored.get("recurrence") == wanted["recurrence"]
        and _emails(stored) == _emails(wanted)
        and stored.get("guestsCanInviteOthers") is wanted["guestsCanInviteOthers"]
        and private.items() >= wanted["extendedProperties"]["private"].items()
        and int(stored.get("sequence", 0)) >= wanted["sequence"]
    )


def _instance_is(stored: dict[str, Any], wanted: dict[str, Any]) -> bool:
    if stored.get("status", "confirmed") != wanted["status"]:
        return False
    return wanted["status"] == "cancelled" or all(
        _same_time(stored.get(key), wanted[key]) for key in ("start", "end")
    )


def _same_time(stored: dict[str, Any] | None, wanted: dict[str, Any]) -> bool:
    """Compares moments, not text: Google answers local times with their offset."""
    return (
        stored is not None
        and _moment(stored) == _moment(wanted)
        and stored.get("timeZone") == wanted["timeZone"]
    )


def _emails(event: dict[str, Any]) -> list[str]:
    return sorted(str(attendee.get("email", "")).lower() for attendee in event.get("attendees", []))


def _moment(when: dict[str, Any]) -> datetime:
    """A Calendar time as an aware UTC datetime; a time without offset is in its `timeZone`."""
    moment = datetime.fromisoformat(str(when["dateTime"]))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(str(when.get("timeZone") or "UTC")))
    return moment.astimezone(UTC)


def _address(series: CheckInSeries, event: dict[str, Any] | None = None) -> str:
    """The event's page; Calendar's `eid` is the event id and calendar id, base64-encoded."""
    if event and event.get("htmlLink"):
        return str(event["htmlLink"])
    eid = base64.urlsafe_b64encode(f"{event_id(series)} {series.organizer.email}".encode())
    return EVENT_URL + eid.decode().rstrip("=")


def _answered(failure: IntegrationFailure, *statuses: int) -> bool:
    return failure.status in statuses


def _name(series: CheckInSeries) -> str:
    return f"the check-in series of plan {series.plan_id} in {series.organizer.email}'s calendar"
