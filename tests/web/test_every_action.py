"""Every action of the plan page, refused as it should be: the wrong person (403), the wrong
phase (409) and bad data (422, next to the field), each leaving the plan as it was.

The happy paths are in test_plan_page.py and, through every phase, in test_browser.py."""

from __future__ import annotations

from coaching.plan import Role
from coaching.status import Phase, PlanStatus
from tests.signatures import signing_form
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
from web.pages.plan import ACTIONS

BY_ROLE = {Role.manager: PRIYA, Role.team_member: KWAME, Role.skip_level: MARCUS, Role.hr: GRACE}


async def in_co_authoring(browser_for: Browserless) -> tuple[str, dict[str, Person]]:
    """Priya's plan for Kwame, approved by Marcus and settled: all four parties are in."""
    people = {role: await browser_for.signed_in(email) for role, email in BY_ROLE.items()}
    plan_id = plan_id_from(await people[Role.manager].post("/plans/new", example_form(KWAME)))
    approved = await people[Role.skip_level].post(f"/plans/{plan_id}/actions/approve", {})
    assert approved.status_code == 303, approved.text

    async def settled() -> bool:
        status = await browser_for.web.status(plan_id)
        return status.phase is Phase.co_authoring and all(o.due for o in status.owed)

    await eventually(settled)
    return plan_id, people


def plausible(name: str, status: PlanStatus) -> dict[str, str]:
    """Data that would be right for the action, so only the person or the phase is wrong."""
    text = "Something worth saying"
    return {
        "approve": {},
        "request-changes": {"comment": text},
        "revise": {**example_form(KWAME), "summary": text},
        "propose": {"activities.0.id": "a1", "activities.0.description": text},
        "ready": {"version": str(status.version)},
        "sign": signing_form(status),
        "decline": {"comment": text},
        "check-in": {
            "number": "1",
            "progress.0.activity_id": "a1",
            "progress.0.status": "in_progress",
            "support.0.support_id": "s1",
            "support.0.delivered": "yes",
            "feedback": text,
        },
        "move-check-in": {
            "number": "2",
            "day": "2027-01-08",
            "time": "10:00",
            "time_zone": "Europe/Berlin",
            "reason": text,
        },
        "skip-check-in": {"number": "2", "reason": text},
        "note": {"number": "1", "note": text},
        "review": {"outcome": "achieved", "achievements": text, "next_steps": text},
        "extend": {"new_end": "2027-03-01", "reason": text},
        "comment": {"comment": text},
        "cancel": {"reason": text},
    }[name]


async def test_the_wrong_person_is_refused_for_every_action(
    browser_for: Browserless, web: WebStack
) -> None:
    plan_id, people = await in_co_authoring(browser_for)
    before = await web.status(plan_id)

    for name, action in ACTIONS.items():
        outsider_role = next(r for r in (Role.hr, Role.skip_level) if r not in action.roles)
        refused = await people[outsider_role].post(
            f"/plans/{plan_id}/actions/{name}", plausible(name, before)
        )
        assert refused.status_code == 403, (name, refused.status_code)
        assert "only the" in refused.text, name

    assert (await web.status(plan_id)).model_dump() == before.model_dump()


async def test_the_wrong_phase_is_refused_for_every_action(
    browser_for: Browserless, web: WebStack
) -> None:
    plan_id, people = await in_co_authoring(browser_for)
    before = await web.status(plan_id)
    allowed_now = {"propose", "ready", "cancel"}

    for name, action in ACTIONS.items():
        if name in allowed_now:
            continue
        person = people[min(action.roles)]
        refused = await person.post(f"/plans/{plan_id}/actions/{name}", plausible(name, before))
        assert refused.status_code == 409, (name, refused.status_code, refused.text[-500:])
        assert "co_authoring" in refused.text, name

    assert (await web.status(plan_id)).model_dump() == before.model_dump()


async def test_bad_data_is_refused_next_to_its_field_for_every_action(
    browser_for: Browserless, web: WebStack
) -> None:
    plan_id, people = await in_co_authoring(browser_for)
    before = await web.status(plan_id)
    without_required_fields = {"approve"}

    for name, action in ACTIONS.items():
        if name in without_required_fields:
            continue
        person = people[min(action.roles)]
        refused = await person.post(f"/plans/{plan_id}/actions/{name}", {})
        assert refused.status_code == 422, (name, refused.status_code)
        assert "is required" in refused.text or "needs at least one item" in refused.text, name

    assert (await web.status(plan_id)).model_dump() == before.model_dump()
