"""Company holidays on the web: the new-plan form and the plan page warn about a check-in on a
holiday and offer the next working day.

The company's calendar has Christmas Eve 2027 and a two-day "Founding Day" on the Thursday and
Friday of the example plan's second check-in, so the next working day is the Monday after.
"""

from __future__ import annotations

import html
from collections.abc import AsyncIterator
from datetime import date, time, timedelta
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from coaching.plan import UpdateCadence, Weekday
from coaching.schedule import check_in_times
from coaching.settings import Settings
from coaching.status import CheckInStatus, Phase
from tests.signatures import signing_form
from tests.web.browserless import (
    KWAME,
    MARCUS,
    PRIYA,
    Browserless,
    example_form,
    migrated_settings,
    plan_id_from,
    running_app,
)
from tests.workflows.running_plan import eventually

BERLIN = "Europe/Berlin"


def example_check_in_days() -> list[date]:
    """The example plan's check-in days, Thursdays, when it is sent today."""
    start = date.today() + timedelta(days=7)
    cadence = UpdateCadence(weekday=Weekday.thursday, time=time(10, 30), time_zone=BERLIN)
    return [t.date() for t in check_in_times(cadence, start, start + timedelta(days=30))]


@pytest.fixture
def founding_day() -> date:
    """Computed when the test runs, not at import: a run that crosses midnight must agree with
    the app, which reads today's date per request."""
    return example_check_in_days()[1]


def monday_after(founding_day: date) -> date:
    return founding_day + timedelta(days=4)


def long_day(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B}"


@pytest.fixture
def holidays_file(tmp_path: Path, founding_day: date) -> Path:
    path = tmp_path / "holidays.ics"
    events = [
        ("20271224", "20271225", "Christmas Eve"),
        (f"{founding_day:%Y%m%d}", f"{founding_day + timedelta(days=2):%Y%m%d}", "Founding Day"),
    ]
    path.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Northwind Labs//Holidays//EN\r\n"
        + "".join(
            f"BEGIN:VEVENT\r\nUID:{start}@example.com\r\nDTSTAMP:20260101T000000Z\r\n"
            f"DTSTART;VALUE=DATE:{start}\r\nDTEND;VALUE=DATE:{end}\r\nSUMMARY:{name}\r\n"
            "END:VEVENT\r\n"
            for start, end, name in events
        )
        + "END:VCALENDAR\r\n"
    )
    return path


@pytest.fixture
def web_settings(
    dev_server_env: WorkflowEnvironment, tmp_path: Path, holidays_file: Path
) -> Settings:
    """The shared stack's settings, with the company's holidays."""
    return migrated_settings(dev_server_env.client, tmp_path, holidays=str(holidays_file))


def text_of(page: str) -> str:
    return html.unescape(page)


async def test_the_form_warns_of_a_check_in_on_a_holiday_and_names_the_next_working_day(
    browser_for: Browserless, founding_day: date
) -> None:
    priya = await browser_for.signed_in(PRIYA)

    fragment = await priya.get(
        "/plans/form-check-ins",
        params={
            "timeline.start": "2027-12-01",
            "timeline.end": "2027-12-31",
            "cadence.weekday": "friday",
            "cadence.time": "10:00",
            "cadence.time_zone": BERLIN,
        },
    )
    form = await priya.get("/plans/new")

    assert fragment.status_code == 200
    assert (
        "Check-in 4 on Friday 24 December falls on Christmas Eve. "
        "The next working day is Monday 27 December."
    ) in fragment.text
    assert "choose another weekday" in fragment.text
    assert f"Check-in 2 on {long_day(founding_day)} falls on Founding Day" in form.text, (
        "the form's own defaults are checked when it opens"
    )


async def test_a_form_without_a_usable_cadence_lists_nothing_yet(
    browser_for: Browserless,
) -> None:
    priya = await browser_for.signed_in(PRIYA)

    fragment = await priya.get(
        "/plans/form-check-ins", params={"cadence.weekday": "friday", "cadence.time": "late"}
    )

    assert fragment.status_code == 200
    assert "Check-in" not in fragment.text


async def test_the_plan_page_warns_before_the_check_ins_are_scheduled(
    browser_for: Browserless, founding_day: date
) -> None:
    priya = await browser_for.signed_in(PRIYA)
    plan_id = plan_id_from(await priya.post("/plans/new", example_form(KWAME)))

    page = text_of((await priya.get(f"/plans/{plan_id}")).text)

    assert f"Check-in 2 on {long_day(founding_day)} falls on Founding Day." in page
    assert f"The next working day is {long_day(monday_after(founding_day))}" in page
    assert "Planned from the update cadence" in page


@pytest.fixture
async def people_in_time(
    time_skipping_env: WorkflowEnvironment, tmp_path: Path, holidays_file: Path
) -> AsyncIterator[Browserless]:
    client = time_skipping_env.client
    settings = migrated_settings(client, tmp_path, holidays=str(holidays_file))
    async with running_app(client, settings) as stack:
        sessions = Browserless(stack)
        yield sessions
        await sessions.close()


async def test_an_upcoming_check_in_on_a_holiday_is_warned_of_until_it_is_held(
    people_in_time: Browserless, time_skipping_env: WorkflowEnvironment, founding_day: date
) -> None:
    sessions, env = people_in_time, time_skipping_env
    web = sessions.web
    priya, marcus, kwame = [await sessions.signed_in(e) for e in (PRIYA, MARCUS, KWAME)]
    plan_id = plan_id_from(await priya.post("/plans/new", example_form(KWAME)))
    assert (await marcus.post(f"/plans/{plan_id}/actions/approve", {})).status_code == 303
    for person in (priya, kwame):
        ready = await person.post(f"/plans/{plan_id}/actions/ready", {"version": "1"})
        assert ready.status_code == 303, ready.text
    status = await web.status(plan_id)
    for person in (priya, kwame):
        signing = signing_form(status)
        assert (await person.post(f"/plans/{plan_id}/actions/sign", signing)).status_code == 303

    async def scheduled() -> bool:
        return bool((await web.status(plan_id)).check_ins)

    await eventually(scheduled)
    status = await web.status(plan_id)
    assert status.phase is Phase.active
    second = status.check_ins[1]
    as_manager = text_of((await priya.get(f"/plans/{plan_id}")).text)
    as_skip_level = text_of((await marcus.get(f"/plans/{plan_id}")).text)

    warning = f"Check-in 2 on {long_day(founding_day)} falls on Founding Day."
    assert warning in as_manager
    next_working_day = long_day(monday_after(founding_day))
    assert f"The next working day is {next_working_day}; at the same time, that is " in as_manager
    assert "10:30 Europe/Berlin." in as_manager.split(warning)[1]
    assert "Planned from the update cadence" not in as_manager
    assert "(10:30 in Europe/Berlin, Kwame Mensah's time)" in as_skip_level, (
        "Marcus reads New York times, with the time Kwame agreed to beside them"
    )

    await env.sleep(second.due_at - await env.get_current_time())

    async def held() -> bool:
        return (await web.status(plan_id)).check_ins[1].status is not CheckInStatus.scheduled

    await eventually(held)
    assert warning not in text_of((await priya.get(f"/plans/{plan_id}")).text)
