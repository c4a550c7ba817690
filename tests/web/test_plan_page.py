"""The plan page: only the four parties see it, each is offered their actions of this phase,
and every action goes through the workflow's Update, whose refusal is shown beside it."""

from __future__ import annotations

import re

import pytest

from coaching.status import Phase
from tests.signatures import signing_form
from tests.web.browserless import (
    DAVID,
    GRACE,
    KWAME,
    MARCUS,
    PRIYA,
    TOM,
    Browserless,
    Person,
    WebStack,
    example_form,
    plan_id_from,
)
from tests.workflows.running_plan import eventually


async def started(browser_for: Browserless) -> tuple[str, Person]:
    """Priya's plan for Kwame, once its first draft is shared and the skip-level asked."""
    priya = await browser_for.signed_in(PRIYA)
    plan_id = plan_id_from(await priya.post("/plans/new", example_form(KWAME)))

    async def asked() -> bool:
        status = await browser_for.web.status(plan_id)
        return bool(status.documents) and all(o.due is not None for o in status.owed)

    await eventually(asked)
    return plan_id, priya


def actions_offered(page: str) -> list[str]:
    return re.findall(r'action="/plans/[a-z0-9]+/actions/([a-z-]+)"', page)


async def test_each_party_sees_the_plan_and_the_actions_of_their_role(
    browser_for: Browserless,
) -> None:
    plan_id, priya = await started(browser_for)
    marcus = await browser_for.signed_in(MARCUS)
    grace = await browser_for.signed_in(GRACE)

    as_manager = await priya.get(f"/plans/{plan_id}")
    as_skip_level = await marcus.get(f"/plans/{plan_id}")
    as_hr = await grace.get(f"/plans/{plan_id}")

    for page in (as_manager, as_skip_level, as_hr):
        assert page.status_code == 200
        assert "Coaching plan for Kwame Mensah" in page.text
        assert "webhook retry" in page.text, "the document itself is on the page"
        assert "Marcus Okafor</strong> (skip-level" in page.text, "who owes what"
    assert actions_offered(as_manager.text) == ["revise", "cancel"]
    assert actions_offered(as_skip_level.text) == ["approve", "request-changes"]
    assert actions_offered(as_hr.text) == ["cancel"]
    assert "times in Europe/Berlin" in as_manager.text


async def test_an_outsider_and_a_team_member_not_yet_included_get_not_found(
    browser_for: Browserless,
) -> None:
    plan_id, _ = await started(browser_for)

    for email in (KWAME, TOM, DAVID):
        person = await browser_for.signed_in(email)
        real = await person.get(f"/plans/{plan_id}")
        invented = await person.get("/plans/abcdef123456")
        assert real.status_code == invented.status_code == 404
        assert real.text == invented.text, "nobody learns which plans exist"
        assert "webhook" not in real.text
        refused = await person.post(f"/plans/{plan_id}/actions/approve", {"comment": "ok"})
        assert refused.status_code == 404


async def test_the_plan_moves_from_alignment_to_active_in_the_browser_alone(
    browser_for: Browserless, web: WebStack
) -> None:
    plan_id, priya = await started(browser_for)
    marcus = await browser_for.signed_in(MARCUS)
    kwame = await browser_for.signed_in(KWAME)

    approved = await marcus.post(f"/plans/{plan_id}/actions/approve", {"comment": "Right time"})
    assert approved.status_code == 303
    assert "brought in" in (await marcus.get(f"/plans/{plan_id}")).text

    page = await kwame.get(f"/plans/{plan_id}")
    assert page.status_code == 200, "the team member is in from the moment of approval"
    assert actions_offered(page.text) == ["ready", "propose"]
    proposal = {
        "activities.0.id": "a1",
        "activities.0.description": "Read two past design documents and note what worked",
        "activities.1.id": "a2",
        "activities.1.description": "Draft the webhook retry design with the team template",
        "activities.2.id": "a3",
        "activities.2.description": "Present the design in the architecture review",
        "activities.3.id": "a4",
        "activities.3.drop": "on",
        "activities.3.description": "Pair with Lena on milestones",
        "activities.4.description": "Write a one-page summary for support",
        "activities.4.due": "",
        "note": "Support asked for a summary",
    }
    proposed = await kwame.post(f"/plans/{plan_id}/actions/propose", proposal)
    assert proposed.status_code == 303, proposed.text
    status = await web.status(plan_id)
    assert status.version == 2
    assert [a.id for a in status.content.activities] == ["a1", "a2", "a3", "a5"]

    diff = await priya.get(f"/plans/{plan_id}/diff?compare=2")
    assert "<strong>Activity a5</strong> (added)" in diff.text
    assert "<strong>Activity a4</strong> (removed)" in diff.text

    ready = await priya.post(f"/plans/{plan_id}/actions/ready", {"version": "2"})
    assert ready.status_code == 303
    page = await kwame.get(f"/plans/{plan_id}")
    assert actions_offered(page.text) == ["sign", "decline", "propose"]
    assert status.sha256 == (await web.status(plan_id)).sha256
    signing = signing_form(status)
    for person in (kwame, priya):
        signed = await person.post(f"/plans/{plan_id}/actions/sign", signing)
        assert signed.status_code == 303, signed.text
    assert (await web.status(plan_id)).phase is Phase.active
    page = await priya.get(f"/plans/{plan_id}")
    assert "Active" in page.text
    assert "Kwame Mensah (team member) signed version 2" in page.text
    assert "What happened" in page.text


async def test_the_wrong_person_is_refused_beside_the_action_and_nothing_changes(
    browser_for: Browserless, web: WebStack
) -> None:
    plan_id, priya = await started(browser_for)
    before = await web.status(plan_id)

    refused = await priya.post(f"/plans/{plan_id}/actions/approve", {"comment": "Self-approved"})

    assert refused.status_code == 403
    assert "only the skip level may approve the plan" in refused.text
    assert (await web.status(plan_id)).model_dump() == before.model_dump()


async def test_the_wrong_phase_is_refused_with_409(browser_for: Browserless, web: WebStack) -> None:
    plan_id, priya = await started(browser_for)

    refused = await priya.post(f"/plans/{plan_id}/actions/ready", {"version": "1"})

    assert refused.status_code == 409
    assert "while the plan is in alignment" in refused.text
    assert (await web.status(plan_id)).ready == []


@pytest.mark.parametrize(
    ("action", "form", "field", "rule"),
    [
        ("request-changes", {"comment": ""}, "comment", "is required"),
        ("request-changes", {"comment": "no"}, "comment", "at least 3 characters"),
        ("cancel", {"reason": ""}, "reason", "is required"),
    ],
)
async def test_bad_data_is_shown_next_to_the_field_and_nothing_changes(
    browser_for: Browserless,
    web: WebStack,
    action: str,
    form: dict[str, str],
    field: str,
    rule: str,
) -> None:
    plan_id, priya = await started(browser_for)
    marcus = await browser_for.signed_in(MARCUS)
    person = marcus if action == "request-changes" else priya
    before = await web.status(plan_id)

    refused = await person.post(f"/plans/{plan_id}/actions/{action}", form)

    assert refused.status_code == 422
    assert f'id="a-{action}-{field}-e"' in refused.text
    assert rule in refused.text
    assert (await web.status(plan_id)).model_dump() == before.model_dump()


async def test_an_action_without_the_csrf_token_is_refused(
    browser_for: Browserless, web: WebStack
) -> None:
    plan_id, _ = await started(browser_for)
    marcus = await browser_for.signed_in(MARCUS)

    refused = await marcus.post(f"/plans/{plan_id}/actions/approve", {}, csrf=False)

    assert refused.status_code == 403
    assert (await web.status(plan_id)).phase is Phase.alignment


async def test_the_manager_revises_the_draft_the_skip_level_asked_changes_for(
    browser_for: Browserless, web: WebStack
) -> None:
    plan_id, priya = await started(browser_for)
    marcus = await browser_for.signed_in(MARCUS)
    asked = await marcus.post(
        f"/plans/{plan_id}/actions/request-changes", {"comment": "Name the two reviewers"}
    )
    assert asked.status_code == 303
    form = example_form(KWAME, summary="Reviewers named")
    del form["team_member"]
    form["goal.target"] = "Design approved by Ama and Lena; milestone 1 scheduled"

    revised = await priya.post(f"/plans/{plan_id}/actions/revise", form)

    assert revised.status_code == 303, revised.text
    status = await web.status(plan_id)
    assert status.version == 2
    assert status.content.goal.target.startswith("Design approved by Ama")
    page = await marcus.get(f"/plans/{plan_id}?compare=2")
    assert "Goal: target" in page.text
    await eventually(lambda: actions_offered_now(marcus, plan_id))


async def actions_offered_now(person: Person, plan_id: str) -> bool:
    page = await person.get(f"/plans/{plan_id}")
    return actions_offered(page.text) == ["approve", "request-changes"]
