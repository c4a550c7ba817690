"""Company holidays: days on which nobody should be asked to a check-in.

They come from configuration (`COACHPLAN_HOLIDAYS`): comma-separated ISO dates, or the path
of an .ics calendar whose all-day events are the holidays, each day of a multi-day event
counting. Pages warn about a check-in on a holiday and offer the next working day.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from icalendar import Calendar

UNNAMED = "a company holiday"
"""What a holiday given only by its date is called."""
SATURDAY = 5


class HolidaysError(ValueError):
    """A holiday list that cannot be read, phrased for the person who configured it."""


@dataclass(frozen=True)
class HolidayClash:
    """A check-in on a holiday, and the same local time on the next working day.

    Both times are in the zone the check-in was agreed in (the team member's), since that is
    where the day is a holiday."""

    number: int
    at: datetime
    holiday: str
    next_working: datetime


@dataclass(frozen=True)
class CompanyHolidays:
    days: Mapping[date, str] = field(default_factory=dict)
    """Each holiday's date and name."""

    @classmethod
    def parse(cls, source: str) -> CompanyHolidays:
        """A path ending in .ics is a calendar; anything else is a list of dates."""
        source = source.strip()
        if source.lower().endswith(".ics"):
            return cls.from_ics(Path(source))
        return cls.from_dates(source)

    @classmethod
    def from_dates(cls, text: str) -> CompanyHolidays:
        """`2026-12-24, 2026-12-25`: unnamed holidays; an empty item (a trailing comma) is
        ignored."""
        days: dict[date, str] = {}
        for item in (part.strip() for part in text.split(",")):
            if not item:
                continue
            try:
                days[date.fromisoformat(item)] = UNNAMED
            except ValueError:
                raise HolidaysError(
                    f"'{item}' is not a date (YYYY-MM-DD); for a calendar, give the path of "
                    "an .ics file"
                ) from None
        return cls(days)

    @classmethod
    def from_ics(cls, path: Path) -> CompanyHolidays:
        """The calendar's all-day events, named by their summary. Events with a time of day
        are not days off and are left out; a repeating event is refused rather than read as
        one day, since its later dates would silently be missed."""
        try:
            calendar = Calendar.from_ical(path.read_bytes())
        except OSError as error:
            raise HolidaysError(f"cannot read {path}: {error.strerror or error}") from None
        except ValueError as error:
            raise HolidaysError(f"{path} is not an iCalendar file: {error}") from None
        if not isinstance(calendar, Calendar):
            raise HolidaysError(f"{path} is not an iCalendar file: it holds no VCALENDAR")
        days: dict[date, str] = {}
        for event in calendar.events:
            name = str(event.get("SUMMARY") or UNNAMED)
            try:
                start, end = event.start, event.end
            except ValueError as error:
                raise HolidaysError(
                    f"{path}: the event '{name}' has no usable date: {error}"
                ) from None
            if isinstance(start, datetime):
                continue
            if event.get("RRULE") is not None:
                raise HolidaysError(
                    f"{path}: the event '{name}' repeats (RRULE); list each year's date as an "
                    "event of its own"
                )
            day = start
            while day < end:
                earlier = days.get(day)
                days[day] = name if earlier in (None, name) else f"{earlier} and {name}"
                day += timedelta(days=1)
        if not days:
            raise HolidaysError(f"{path} has no all-day events, so no holidays")
        return cls(days)

    def name_of(self, day: date) -> str | None:
        """The holiday on `day`, or None on any other day."""
        return self.days.get(day)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < SATURDAY and day not in self.days

    def next_working_day(self, day: date) -> date:
        """The first day after `day` that is neither a weekend day nor a holiday."""
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def clashes(
        self, check_ins: Iterable[tuple[int, datetime]], zone: ZoneInfo
    ) -> list[HolidayClash]:
        """The numbered check-ins whose day, in `zone`, is a holiday."""
        found = []
        for number, moment in check_ins:
            local = moment.astimezone(zone)
            holiday = self.name_of(local.date())
            if holiday is not None:
                moved = datetime.combine(self.next_working_day(local.date()), local.time(), zone)
                found.append(HolidayClash(number, local, holiday, moved))
        return found
