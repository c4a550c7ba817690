"""The new-plan form: a manager starts one plan for a direct report; mistakes are shown
next to their field with everything typed kept, and nothing starts."""

from __future__ import annotations

import asyncio

from coaching.status import Phase
from tests.web.browserless import (
    DAVID,
    GRACE,
    KWAME,
    LENA,
    PRIYA,
    YUKI,
    Browserless,
    WebStack,
    example_form,
    plan_id_from,
)


async def test_the_form_offers_the_managers_reports_and_explains_the_seven_parts(
    browser_for: Browserless,
) -> None:
    priya = await browser_for.signed_in(PRIYA)

    page = await priya.get("/plans/new")

    assert page.status_code == 200
    for report in ("Kwame Mensah", "Lena Hoffmann", "Yuki Tanaka"):
        assert report in page.text
    assert "Helena Brandt" not in page.text
    assert "SMART goal" in page.text
    assert "only a proposal" in page.text
    assert "only the team member, you, your manager and HR" in page.text
    assert "Marcus Okafor" in page.text
    assert 'name="cadence.time_zone"' in page.text


async def test_a_manager_starts_a_plan_and_lands_on_its_page(
    browser_for: Browserless, web: WebStack
) -> None:
    priya = await browser_for.signed_in(PRIYA)

    started = await priya.post("/plans/new", example_form(KWAME))

    plan_id = plan_id_from(started)
    page = await priya.get(f"/plans/{plan_id}")
    assert page.status_code == 200
    assert "Plan started for Kwame Mensah" in page.text
    assert "Alignment with the skip-level" in page.text
    status = await web.status(plan_id)
    assert status.phase is Phase.alignment
    assert status.parties.skip_level.email == "marcus.okafor@example.com"


async def test_bad_data_is_shown_next_to_the_field_and_starts_nothing(
    browser_for: Browserless, web: WebStack
) -> None:
    priya = await browser_for.signed_in(PRIYA)
    form = example_form(
        LENA, **{"goal.target": "", "cadence.time_zone": "Mars/Olympus", "timeline.end": "bad"}
    )

    refused = await priya.post("/plans/new", form)

    assert refused.status_code == 422
    assert 'id="e-goal.target"' in refused.text
    assert "is required" in refused.text
    assert "Mars/Olympus" in refused.text
    assert "is not a known IANA time zone" in refused.text
    assert "is not a date" in refused.text
    assert form["development_area"] in refused.text, "what was typed is kept"
    assert await web.started_plans("lena.hoffmann") == []


async def test_only_a_direct_reports_manager_may_start_their_plan(
    browser_for: Browserless, web: WebStack
) -> None:
    priya = await browser_for.signed_in(PRIYA)

    refused = await priya.post("/plans/new", example_form(DAVID))

    assert refused.status_code == 422
    assert "does not report to priya.raman@example.com" in refused.text
    assert await web.started_plans("david.kim") == []


async def test_a_form_without_its_csrf_token_is_refused_and_starts_nothing(
    browser_for: Browserless, web: WebStack
) -> None:
    priya = await browser_for.signed_in(PRIYA)

    refused = await priya.post("/plans/new", example_form(YUKI), csrf=False)
    forged = await priya.post(
        "/plans/new", {**example_form(YUKI), "csrf_token": "forged"}, csrf=False
    )

    assert refused.status_code == forged.status_code == 403
    assert "reload the page" in refused.text
    assert await web.started_plans("yuki.tanaka") == []


async def test_submitting_twice_or_from_two_tabs_starts_one_plan(
    browser_for: Browserless, web: WebStack
) -> None:
    tab_one = await browser_for.signed_in(PRIYA)
    tab_two = await browser_for.signed_in(PRIYA)

    answers = await asyncio.gather(
        tab_one.post("/plans/new", example_form(KWAME)),
        tab_one.post("/plans/new", example_form(KWAME)),
        tab_two.post("/plans/new", example_form(KWAME)),
    )

    plan_ids = {plan_id_from(answer) for answer in answers}
    assert len(plan_ids) == 1
    (plan_id,) = plan_ids
    assert await web.started_plans("kwame.mensah") == [plan_id]
    again = await tab_two.post("/plans/new", example_form(KWAME))
    assert plan_id_from(again) == plan_id
    page = await tab_two.get(f"/plans/{plan_id}")
    assert "already has an open coaching plan" in page.text


async def test_a_plan_closed_or_cancelled_frees_the_team_member_for_a_new_one(
    browser_for: Browserless, web: WebStack
) -> None:
    priya = await browser_for.signed_in(PRIYA)
    first = plan_id_from(await priya.post("/plans/new", example_form(KWAME)))
    cancelled = await priya.post(f"/plans/{first}/actions/cancel", {"reason": "Started by mistake"})
    assert cancelled.status_code == 303, cancelled.text

    second = plan_id_from(await priya.post("/plans/new", example_form(KWAME)))

    assert second != first
    assert (await web.status(second)).phase is Phase.alignment


async def test_signed_out_visitors_are_sent_to_sign_in_and_back(browser_for: Browserless) -> None:
    visitor = browser_for.anonymous()

    sent = await visitor.get("/plans/new")

    assert sent.status_code == 303
    assert sent.headers["location"].endswith("/sign-in?next=%2Fplans%2Fnew")
    hr = await browser_for.signed_in(GRACE)
    assert (await hr.get("/plans/new")).status_code == 200
