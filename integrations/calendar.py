"""The check-in series: one recurring invite for manager and team member."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from pydantic import Field

from coaching.org import Parties, Person
from coaching.plan import StrictModel, UpdateCadence, Weekday
from coaching.status import CheckIn, CheckInStatus


class MovedCheckIn(StrictModel):
    """One occurrence held at another time: calendars update that meeting and keep the rest."""

    occurrence_at: datetime
    """The occurrence as the series planned it (its RECURRENCE-ID)."""
    at: datetime
    """When it takes place instead."""


class CheckInSeries(StrictModel):
    """A weekly (or every-n-weeks) series from `first_at` until `until`, in the member's zone."""

    plan_id: str
    uid: str
    organizer: Person
    attendees: list[Person]
    first_at: datetime
    until: datetime
    weekday: Weekday
    interval_weeks: int
    time_zone: str
    duration: timedelta = timedelta(minutes=30)
    sequence: int = 0
    summary: str = "Coaching plan check-in"
    description: str = ""
    moved: list[MovedCheckIn] = Field(default_factory=list)
    skipped: list[datetime] = Field(default_factory=list)
    """Occurrences (as the series planned them) that will not take place."""
    parties: Parties | None = None
    """The plan's parties, whom the recipient gate admits attendees from; None only in a
    series scheduled before the gate, which its calendar activity admits as it did then."""

    @classmethod
    def of_check_ins(
        cls, plan_id: str, parties: Parties, cadence: UpdateCadence, check_ins: list[CheckIn]
    ) -> CheckInSeries:
        """The series whose occurrences are exactly these check-ins: a moved one overrides
        its occurrence, a skipped one is an exception, so calendars change just that one."""
        return cls(
            plan_id=plan_id,
            uid=f"coaching-plan-{plan_id}-check-ins@coachplan",
            parties=parties,
            organizer=parties.manager,
            attendees=[parties.manager, parties.team_member],
            first_at=check_ins[0].occurrence_at or check_ins[0].due_at,
            until=check_ins[-1].occurrence_at or check_ins[-1].due_at,
            weekday=cadence.weekday,
            interval_weeks=cadence.frequency.interval_weeks,
            time_zone=cadence.time_zone,
            moved=[
                MovedCheckIn(occurrence_at=c.occurrence_at, at=c.due_at)
                for c in check_ins
                if c.occurrence_at is not None and c.status is not CheckInStatus.skipped
            ],
            skipped=[
                c.occurrence_at or c.due_at for c in check_ins if c.status is CheckInStatus.skipped
            ],
        )

    def is_occurrence(self, moment: datetime) -> bool:
        """Whether the rule, from `first_at` on and ignoring `until`, starts a check-in then.

        Built like `occurrences`, so both agree even where the zone's clocks jump.
        """
        zone = ZoneInfo(self.time_zone)
        first = self.first_at.astimezone(zone)
        local = moment.astimezone(zone)
        weeks, days = divmod((local.date() - first.date()).days, 7)
        return (
            moment >= self.first_at
            and days == 0
            and weeks % self.interval_weeks == 0
            and moment == datetime.combine(local.date(), first.time(), zone)
        )

    def occurrences(self) -> list[datetime]:
        """The rule's starts from `first_at` through `until`, before moves and skips, in UTC."""
        zone = ZoneInfo(self.time_zone)
        first = self.first_at.astimezone(zone)
        starts = []
        day = first.date()
        while (start := datetime.combine(day, first.time(), zone)) <= self.until:
            starts.append(start.astimezone(UTC))
            day += timedelta(weeks=self.interval_weeks)
        return starts

    def ended(self) -> CheckInSeries | None:
        """The series cut at `until` (the closing moment), or None when no check-in is left.

        What took place up to the end stays, moved check-ins included. Every occurrence that
        is no longer held before the end becomes a skip; an RFC 5545 rule always counts its
        DTSTART, so `first_at` is skipped too when it lies after the end.
        """
        end = self.until
        kept = [moved for moved in self.moved if moved.at <= end]
        kept_occurrences = {moved.occurrence_at for moved in kept}
        changed = {*self.skipped, *(moved.occurrence_at for moved in self.moved)}
        if not kept and all(start in changed for start in self.occurrences()):
            return None
        skipped = {moment for moment in changed - kept_occurrences if moment <= end}
        if self.first_at > end and self.first_at not in kept_occurrences:
            skipped.add(self.first_at)
        return self.model_copy(update={"moved": kept, "skipped": sorted(skipped)})


class DeclinedCheckIn(StrictModel):
    occurrence_at: datetime
    """The occurrence as the series planned it, as in `MovedCheckIn`."""
    email: str
    """Who declined it."""


class CheckInCalendar(Protocol):
    def publish_series(self, series: CheckInSeries) -> str:
        """Creates or updates (by `uid` and `sequence`) the series; returns its address."""
        ...

    def cancel_series(self, series: CheckInSeries) -> str:
        """Cancels every remaining occurrence of the series; returns its address."""
        ...

    def end_series(self, series: CheckInSeries) -> str:
        """Ends the series at `until`, keeping the check-ins before it in people's calendars
        (cancels it whole when none lies before); returns its address."""
        ...

    def declined_check_ins(self, series: CheckInSeries) -> list[DeclinedCheckIn]:
        """The occurrences still ahead that an attendee has declined."""
        ...
