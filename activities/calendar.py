"""Keeps the check-in series in the manager's and team member's calendars."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.threaded import threaded_activity
from coaching.plan import StrictModel
from coaching.settings import DEFAULT_WEB_URL
from coaching.status import Phase
from integrations.calendar import CheckInCalendar, CheckInSeries
from integrations.recipients import Purpose, RecipientGate


class CalendarSeriesRef(StrictModel):
    plan_id: str
    uid: str
    sequence: int
    uri: str


class CalendarActivities:
    def __init__(
        self,
        calendar: CheckInCalendar,
        web_url: str = DEFAULT_WEB_URL,
        gate: RecipientGate | None = None,
    ) -> None:
        self._calendar = calendar
        self._web_url = web_url.rstrip("/")
        self._gate = gate or RecipientGate()

    def _admit(self, series: CheckInSeries, *, ending: bool = False) -> None:
        """Attendees pass the recipient gate as in the active phase: a series exists from the
        plan's activation on, when all four parties may hear of it. A series scheduled before
        the gate names no parties and keeps only the check it had then."""
        _refuse_invalid(series, ending=ending)
        if series.parties is None:
            return
        self._gate.admit(
            series.plan_id,
            series.parties,
            Phase.active,
            [series.organizer.email, *(person.email for person in series.attendees)],
            Purpose.invite,
        )

    def _described(self, series: CheckInSeries) -> CheckInSeries:
        """The invite links to the plan page and says nothing of the plan: calendars are
        read by assistants and shown on screens."""
        if series.description:
            return series
        link = f"{self._web_url}/plans/{series.plan_id}"
        return series.model_copy(
            update={"description": f"Your coaching plan's check-in. The plan: {link}"}
        )

    @threaded_activity
    def schedule_check_ins(self, series: CheckInSeries) -> CalendarSeriesRef:
        self._admit(series)
        uri = self._calendar.publish_series(self._described(series))
        activity.logger.info(
            "Scheduled check-ins for plan %s (sequence %d)", series.plan_id, series.sequence
        )
        return CalendarSeriesRef(
            plan_id=series.plan_id, uid=series.uid, sequence=series.sequence, uri=uri
        )

    @threaded_activity
    def cancel_check_ins(self, series: CheckInSeries) -> CalendarSeriesRef:
        self._admit(series)
        uri = self._calendar.cancel_series(self._described(series))
        activity.logger.info(
            "Cancelled check-ins for plan %s (sequence %d)", series.plan_id, series.sequence
        )
        return CalendarSeriesRef(
            plan_id=series.plan_id, uid=series.uid, sequence=series.sequence, uri=uri
        )

    @threaded_activity
    def end_check_ins(self, series: CheckInSeries) -> CalendarSeriesRef:
        """At an early closure or a cancellation: `until` is the closing moment."""
        self._admit(series, ending=True)
        uri = self._calendar.end_series(self._described(series))
        activity.logger.info(
            "Ended check-ins for plan %s (sequence %d)", series.plan_id, series.sequence
        )
        return CalendarSeriesRef(
            plan_id=series.plan_id, uid=series.uid, sequence=series.sequence, uri=uri
        )


def _refuse_invalid(series: CheckInSeries, *, ending: bool = False) -> None:
    """A bad series is a bug in the caller, not a glitch: retrying cannot fix it."""
    problems = _problems(series, ending=ending)
    if problems:
        raise ApplicationError(
            f"check-in series of plan {series.plan_id} refused: {'; '.join(problems)}",
            type="InvalidCheckInSeries",
            non_retryable=True,
        )


def _problems(series: CheckInSeries, *, ending: bool) -> list[str]:
    """An ending series may close before its first check-in (it is then cancelled whole), and
    its moves and skips may lie after the closing moment (they are dropped)."""
    problems = []
    emails = {person.email for person in series.attendees}
    if len(series.attendees) != 2 or len(emails) != 2 or series.organizer.email not in emails:
        problems.append(
            "check-ins are private: the attendees must be exactly the organizer (the manager) "
            f"and the team member, got {len(series.attendees)} attendee(s)"
        )
    if series.interval_weeks < 1:
        problems.append(f"interval_weeks must be at least 1, got {series.interval_weeks}")
    moments = [series.first_at, series.until, *series.skipped]
    moments += [moment for moved in series.moved for moment in (moved.occurrence_at, moved.at)]
    if any(moment.tzinfo is None for moment in moments):
        problems.append("first_at, until, moved and skipped check-ins need a time zone")
        return problems
    if series.until < series.first_at and not ending:
        problems.append("until must not be before first_at")
    try:
        zone = ZoneInfo(series.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"{series.time_zone!r} is not a known time zone")
        return problems
    if series.first_at.astimezone(zone).weekday() != series.weekday.number:
        problems.append(f"first_at is not a {series.weekday.value} in {series.time_zone}")
    elif series.interval_weeks >= 1:
        problems += _change_problems(series, ending=ending)
    return problems


def _change_problems(series: CheckInSeries, *, ending: bool) -> list[str]:
    """Moves and skips name occurrences the series has, each once."""
    problems = []
    changed = [*series.skipped, *(moved.occurrence_at for moved in series.moved)]
    for moment in changed:
        if not series.is_occurrence(moment):
            problems.append(f"{moment.isoformat()} is not a check-in of the series")
        elif moment > series.until and not ending:
            problems.append(f"{moment.isoformat()} is after the series' last check-in")
    repeated = sorted({moment for moment in changed if changed.count(moment) > 1})
    problems += [f"{moment.isoformat()} is moved or skipped twice" for moment in repeated]
    return problems
