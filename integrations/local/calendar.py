"""The check-in series as one RFC 5545 invite file per plan, as a mail client would receive it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vRecur

from coaching.org import Person
from integrations.calendar import CheckInSeries, DeclinedCheckIn
from integrations.local.files import file_uri, safe_name, write_atomically

PRODID = "-//coachplan//Coaching plan check-ins//EN"


class IcsCalendar:
    """Writes `root/invites/<plan_id>.ics`: the series' latest REQUEST or CANCEL."""

    def __init__(self, root: Path) -> None:
        self._folder = root / "invites"

    def publish_series(self, series: CheckInSeries) -> str:
        return self._write(series, method="REQUEST", status="CONFIRMED")

    def cancel_series(self, series: CheckInSeries) -> str:
        """A CANCEL without RECURRENCE-ID removes every occurrence: moves and skips are moot."""
        whole = series.model_copy(update={"moved": [], "skipped": []})
        return self._write(whole, method="CANCEL", status="CANCELLED")

    def end_series(self, series: CheckInSeries) -> str:
        """An update, not a CANCEL, so that the check-ins already held stay in calendars."""
        ended = series.ended()
        if ended is None:
            return self.cancel_series(series)
        return self.publish_series(ended)

    def declined_check_ins(self, series: CheckInSeries) -> list[DeclinedCheckIn]:
        """An invite file carries no answers: attendees decline in their own calendars."""
        return []

    def _write(self, series: CheckInSeries, method: str, status: str) -> str:
        path = self._folder / f"{safe_name(series.plan_id, 'plan id')}.ics"
        stamp = _previous_stamp(path, series, method) or datetime.now(UTC).replace(microsecond=0)
        write_atomically(path, _invite(series, method, status, stamp).to_ical())
        return file_uri(path)


def _invite(series: CheckInSeries, method: str, status: str, stamp: datetime) -> Calendar:
    """The master event and one override per moved check-in, all under the series' UID."""
    zone = ZoneInfo(series.time_zone)
    master = _event(series, status, stamp, series.first_at.astimezone(zone))
    master.add(
        "rrule",
        vRecur(
            freq="WEEKLY",
            interval=series.interval_weeks,
            byday=series.weekday.ical,
            until=series.until.astimezone(UTC),
        ),
    )
    for skipped in sorted(series.skipped):
        master.add("exdate", skipped.astimezone(zone))
    moved = sorted(series.moved, key=lambda check_in: check_in.occurrence_at)
    for check_in in moved:
        if series.until < check_in.occurrence_at != series.first_at:
            # Held before the series ended, from an occurrence after it: the rule no longer
            # yields it (only DTSTART always counts), so it is added back for its override.
            master.add("rdate", check_in.occurrence_at.astimezone(zone))

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    calendar.add_component(master)
    for check_in in moved:
        override = _event(series, status, stamp, check_in.at.astimezone(zone))
        override.add("recurrence-id", check_in.occurrence_at.astimezone(zone))
        calendar.add_component(override)
    moments = [series.first_at, series.until, *series.skipped]
    moments += [moment for check_in in moved for moment in (check_in.occurrence_at, check_in.at)]
    calendar.add_missing_timezones(
        first_date=min(moments).astimezone(zone).date(),
        last_date=max(moments).astimezone(zone).date() + timedelta(days=1),
    )
    return calendar


def _event(series: CheckInSeries, status: str, stamp: datetime, start: datetime) -> Event:
    event = Event()
    event.add("uid", series.uid)
    event.add("sequence", series.sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", start)
    event.add("dtend", start + series.duration)
    event.add("status", status)
    event.add("summary", series.summary)
    if series.description:
        event.add("description", series.description)
    event.add("organizer", _address(series.organizer))
    for person in series.attendees:
        event.add("attendee", _address(person, role="REQ-PARTICIPANT", rsvp=True))
    return event


def _address(person: Person, role: str | None = None, rsvp: bool | None = None) -> vCalAddress:
    return vCalAddress.new(person.email, cn=person.name, role=role, rsvp=rsvp)


def _previous_stamp(path: Path, series: CheckInSeries, method: str) -> datetime | None:
    """The same message sent again keeps its DTSTAMP, so a retry writes the identical file."""
    if not path.exists():
        return None
    previous = Calendar.from_ical(path.read_bytes())
    events = previous.events
    if str(previous.get("method", "")) != method or not events:
        return None
    if any(
        str(event.get("uid")) != series.uid or int(event.get("sequence", -1)) != series.sequence
        for event in events
    ):
        return None
    stamp: datetime = events[0].decoded("dtstamp")
    return stamp
