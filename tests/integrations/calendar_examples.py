"""The check-in series both calendars are tested with."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from coaching.plan import Weekday
from integrations.calendar import CheckInSeries
from tests.plan_examples import MANAGER, MEMBER

BERLIN = ZoneInfo("Europe/Berlin")
THURSDAYS = [datetime(2026, 10, day, 10, 0, tzinfo=BERLIN) for day in (15, 22, 29)] + [
    datetime(2026, 11, 5, 10, 0, tzinfo=BERLIN)
]
"""A team member in Berlin, Thursdays at 10:00, across the end of summer time (2026-10-25)."""


def berlin_series(sequence: int = 1, **changes: object) -> CheckInSeries:
    return CheckInSeries(
        plan_id="abc123",
        uid="coaching-plan-abc123-check-ins@coachplan",
        organizer=MANAGER,
        attendees=[MANAGER, MEMBER],
        first_at=THURSDAYS[0].astimezone(UTC),
        until=THURSDAYS[-1].astimezone(UTC),
        weekday=Weekday.thursday,
        interval_weeks=1,
        time_zone="Europe/Berlin",
        sequence=sequence,
    ).model_copy(update=changes)
