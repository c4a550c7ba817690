"""The check-in series: one recurring invite for manager and team member."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from pydantic import Field

from coaching.org import Person
from coaching.plan import StrictModel, Weekday


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


class CheckInCalendar(Protocol):
    def publish_series(self, series: CheckInSeries) -> str:
        """Creates or updates (by `uid` and `sequence`) the series; returns its address."""
        ...

    def cancel_series(self, series: CheckInSeries) -> str:
        """Cancels every remaining occurrence of the series; returns its address."""
        ...
