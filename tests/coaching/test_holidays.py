"""Company holidays: named days from a date list or an .ics calendar, and the next working day."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from coaching.holidays import UNNAMED, CompanyHolidays, HolidayClash, HolidaysError

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def calendar(*events: str) -> str:
    body = "".join(
        f"BEGIN:VEVENT\r\nUID:{n}@example.com\r\nDTSTAMP:20260101T000000Z\r\n{event}END:VEVENT\r\n"
        for n, event in enumerate(events)
    )
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{body}END:VCALENDAR\r\n"


def all_day(start: str, summary: str, end: str = "") -> str:
    ends = f"DTEND;VALUE=DATE:{end}\r\n" if end else ""
    return f"DTSTART;VALUE=DATE:{start}\r\n{ends}SUMMARY:{summary}\r\n"


@pytest.fixture
def ics(tmp_path: Path) -> Path:
    path = tmp_path / "holidays.ics"
    path.write_text(
        calendar(
            all_day("20261224", "Christmas Eve"),
            all_day("20261225", "Christmas", end="20261227"),
            "DTSTART;VALUE=DATE:20261231\r\nDURATION:P2D\r\nSUMMARY:New Year\r\n",
            "DTSTART:20261210T150000Z\r\nDTEND:20261210T170000Z\r\nSUMMARY:Team party\r\n",
        )
    )
    return path


def test_dates_are_unnamed_holidays() -> None:
    holidays = CompanyHolidays.parse(" 2026-12-24, 2026-12-25 ,")

    assert holidays.name_of(date(2026, 12, 24)) == UNNAMED
    assert holidays.name_of(date(2026, 12, 25)) == UNNAMED
    assert holidays.name_of(date(2026, 12, 23)) is None


def test_a_bad_date_is_named() -> None:
    with pytest.raises(HolidaysError) as raised:
        CompanyHolidays.parse("2026-12-24,2026-13-01")

    assert str(raised.value) == (
        "'2026-13-01' is not a date (YYYY-MM-DD); for a calendar, give the path of an .ics file"
    )


def test_a_calendars_all_day_events_are_holidays_each_day_counting(ics: Path) -> None:
    holidays = CompanyHolidays.parse(str(ics))

    assert holidays.days == {
        date(2026, 12, 24): "Christmas Eve",
        date(2026, 12, 25): "Christmas",
        date(2026, 12, 26): "Christmas",
        date(2026, 12, 31): "New Year",
        date(2027, 1, 1): "New Year",
    }, "DTEND is exclusive; a DURATION counts as well; the timed party is no day off"


def test_two_events_on_one_day_are_both_named(tmp_path: Path) -> None:
    path = tmp_path / "two.ics"
    path.write_text(calendar(all_day("20261224", "Christmas Eve"), all_day("20261224", "Closed")))

    assert CompanyHolidays.parse(str(path)).name_of(date(2026, 12, 24)) == (
        "Christmas Eve and Closed"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read {path}: No such file or directory"),
        ("not a calendar", "{path} is not an iCalendar file: "),
        (
            "BEGIN:VEVENT\r\nEND:VEVENT\r\n",
            "{path} is not an iCalendar file: it holds no VCALENDAR",
        ),
        (calendar("SUMMARY:Undated\r\n"), "{path}: the event 'Undated' has no usable date"),
        (
            calendar(all_day("20261225", "Christmas") + "RRULE:FREQ=YEARLY\r\n"),
            "{path}: the event 'Christmas' repeats (RRULE); list each year's date",
        ),
        (calendar(), "{path} has no all-day events, so no holidays"),
    ],
)
def test_an_unusable_calendar_says_why(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "holidays.ics"
    if content is not None:
        path.write_text(content)

    with pytest.raises(HolidaysError) as raised:
        CompanyHolidays.parse(str(path))

    assert str(raised.value).startswith(message.format(path=path))


def test_the_next_working_day_skips_weekends_and_holidays(ics: Path) -> None:
    holidays = CompanyHolidays.parse(str(ics))

    assert holidays.next_working_day(date(2026, 12, 23)) == date(2026, 12, 28), (
        "Thu 24 and Fri 25 are holidays, then the weekend"
    )
    assert holidays.next_working_day(date(2026, 12, 30)) == date(2027, 1, 4)
    assert holidays.next_working_day(date(2026, 12, 7)) == date(2026, 12, 8)
    assert CompanyHolidays().next_working_day(date(2026, 12, 11)) == date(2026, 12, 14)
    assert not holidays.is_working_day(date(2026, 12, 24))
    assert holidays.is_working_day(date(2026, 12, 23))


def test_a_check_in_clashes_by_its_day_where_it_was_agreed(ics: Path) -> None:
    holidays = CompanyHolidays.parse(str(ics))
    check_ins = [
        (1, datetime(2026, 12, 17, 9, tzinfo=UTC)),
        (2, datetime(2026, 12, 24, 9, tzinfo=UTC)),
        (3, datetime(2026, 12, 31, 2, tzinfo=UTC)),
    ]

    in_berlin = holidays.clashes(check_ins, BERLIN)
    in_new_york = holidays.clashes(check_ins, NEW_YORK)

    assert in_berlin == [
        HolidayClash(
            number=2,
            at=datetime(2026, 12, 24, 10, tzinfo=BERLIN),
            holiday="Christmas Eve",
            next_working=datetime(2026, 12, 28, 10, tzinfo=BERLIN),
        ),
        HolidayClash(
            number=3,
            at=datetime(2026, 12, 31, 3, tzinfo=BERLIN),
            holiday="New Year",
            next_working=datetime(2027, 1, 4, 3, tzinfo=BERLIN),
        ),
    ]
    assert [c.number for c in in_new_york] == [2], "31 Dec 02:00 UTC is 30 Dec in New York"
