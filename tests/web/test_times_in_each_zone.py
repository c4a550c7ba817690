"""Every time on a page is in the zone of whoever reads it, with the zone named: Marcus works
in New York, Priya and Grace in Berlin (the company's zone). A check-in also shows the team
member's local time it was agreed in, when the reader's zone is another."""

from __future__ import annotations

import html
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from coaching.plan import UpdateCadence, Weekday
from coaching.schedule import check_in_times
from tests.web.browserless import (
    GRACE,
    KWAME,
    MARCUS,
    PRIYA,
    Browserless,
    Person,
    WebStack,
    example_form,
    plan_id_from,
)
from tests.workflows.running_plan import eventually
from web.templating import when, when_agreed

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
TOKYO = ZoneInfo("Asia/Tokyo")


def shown(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} {zone.key}"


def text_of(page: str) -> str:
    return html.unescape(page)


def test_a_time_names_its_zone() -> None:
    moment = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)

    assert when(moment, NEW_YORK) == "Tue 8 Dec 2026, 04:00 America/New_York"
    assert when(moment, BERLIN) == "Tue 8 Dec 2026, 10:00 Europe/Berlin"
    assert when(moment.replace(tzinfo=None), BERLIN) == "Tue 8 Dec 2026, 10:00 Europe/Berlin", (
        "a stored time without an offset is UTC"
    )
    assert when(None, BERLIN) == "no deadline"


def test_a_check_in_names_the_agreed_local_time_where_the_zones_differ() -> None:
    moment = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)

    assert when_agreed(moment, NEW_YORK, BERLIN, "Lena Hoffmann's") == (
        "Tue 8 Dec 2026, 04:00 America/New_York (10:00 in Europe/Berlin, Lena Hoffmann's time)"
    )
    assert when_agreed(moment, BERLIN, BERLIN, "Lena Hoffmann's") == (
        "Tue 8 Dec 2026, 10:00 Europe/Berlin"
    )
    assert when_agreed(moment.replace(hour=20), TOKYO, BERLIN, "your agreed") == (
        "Wed 9 Dec 2026, 05:00 Asia/Tokyo (Tue 8 Dec, 21:00 in Europe/Berlin, your agreed time)"
    ), "the agreed day is named when it is another"


async def started_and_stored(browser_for: Browserless) -> tuple[str, datetime]:
    """Priya's plan for Kwame, waiting for Marcus's approval, in HR's store too."""
    priya = await browser_for.signed_in(PRIYA)
    plan_id = plan_id_from(await priya.post("/plans/new", example_form(KWAME)))
    marcus = await browser_for.signed_in(MARCUS)

    async def listed() -> bool:
        page = await marcus.get("/")
        return f'href="/plans/{plan_id}"' in page.text and "no deadline" not in page.text

    await eventually(listed)
    status = await browser_for.web.status(plan_id)
    due = status.owed[0].due
    assert due is not None
    return plan_id, due


async def test_each_page_shows_the_readers_zone(browser_for: Browserless, web: WebStack) -> None:
    plan_id, due = await started_and_stored(browser_for)
    readers = [
        (await browser_for.signed_in(MARCUS), NEW_YORK),
        (await browser_for.signed_in(PRIYA), BERLIN),
        (await browser_for.signed_in(GRACE), BERLIN),
    ]

    for person, zone in readers:
        other = BERLIN if zone is NEW_YORK else NEW_YORK
        for path in ("/", f"/plans/{plan_id}", "/hr", f"/hr/plans/{plan_id}"):
            if path == "/" and person.email == GRACE:
                continue  # HR owes nothing and is owed nothing on a plan in alignment
            page = text_of((await person.get(path)).text)
            assert shown(due, zone) in page, f"{person.email} on {path}"
            assert shown(due, other) not in page, f"{person.email} on {path}"
        await tokens_are_shown_in(person, zone, web)


async def tokens_are_shown_in(person: Person, zone: ZoneInfo, web: WebStack) -> None:
    created = await person.post("/me/tokens", {"name": "laptop script"})
    assert created.status_code == 201, created.text
    directory = web.app.state.context.directory
    person_id = directory.by_email(person.email).id
    [token] = web.app.state.context.tokens.list(person_id)
    page = text_of(created.text)
    assert shown(token.created_at, zone) in page
    assert f"Time zone</dt><dd>{zone.key}" in page


async def test_the_new_plan_form_lists_the_check_ins_in_the_readers_zone(
    browser_for: Browserless,
) -> None:
    marcus = await browser_for.signed_in(MARCUS)
    priya = await browser_for.signed_in(PRIYA)
    start = date.today() + timedelta(days=7)
    cadence = UpdateCadence(weekday=Weekday.thursday, time=time(10), time_zone=BERLIN.key)
    first = check_in_times(cadence, start, start + timedelta(days=30))[0]

    in_new_york = text_of((await marcus.get("/plans/new")).text)
    in_berlin = text_of((await priya.get("/plans/new")).text)

    assert f"{shown(first, NEW_YORK)} (10:00 in Europe/Berlin, the team member's time)" in (
        in_new_york
    )
    assert f"<li>{shown(first, BERLIN)}</li>" in in_berlin
    assert shown(first, NEW_YORK) not in in_berlin


async def test_the_forms_check_ins_name_the_chosen_team_members_time(
    browser_for: Browserless,
) -> None:
    """htmx asks for the list again as the manager changes the timeline or the cadence."""
    marcus = await browser_for.signed_in(MARCUS)

    fragment = await marcus.get(
        "/plans/form-check-ins",
        params={
            "team_member": PRIYA,
            "timeline.start": "2027-12-01",
            "timeline.end": "2027-12-31",
            "cadence.weekday": "tuesday",
            "cadence.time": "10:00",
            "cadence.time_zone": "Europe/Berlin",
        },
    )

    assert fragment.status_code == 200
    assert (
        "Tue 7 Dec 2027, 04:00 America/New_York (10:00 in Europe/Berlin, Priya Raman's time)"
        in text_of(fragment.text)
    )
