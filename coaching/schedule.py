"""When things happen in the active phase: the check-ins and the review's due time.

Pure functions of the plan, so the workflow's timers and the calendar's RRULE agree.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from coaching.plan import PlanContent, UpdateCadence


def first_check_in_day(cadence: UpdateCadence, start: date) -> date:
    """The first cadence weekday after the start date (the start itself is the kick-off)."""
    days_ahead = (cadence.weekday.number - start.weekday() - 1) % 7 + 1
    return start + timedelta(days=days_ahead)


def check_in_times(cadence: UpdateCadence, start: date, end: date) -> list[datetime]:
    """Every check-in strictly after `start` and before `end`, in UTC.

    The end date belongs to the review, not to a check-in.
    """
    times = []
    day = first_check_in_day(cadence, start)
    while day < end:
        times.append(cadence.at(day))
        day += timedelta(weeks=cadence.frequency.interval_weeks)
    return times


def plan_starts_at(content: PlanContent) -> datetime:
    """The active phase begins at midnight of the start date in the team member's zone."""
    return datetime.combine(content.timeline.start, datetime.min.time(), content.cadence.zone)


def review_due_at(content: PlanContent) -> datetime:
    """The review is due on the end date, at the usual check-in time."""
    return content.cadence.at(content.timeline.end)
