"""The actions that need time to have passed, done on the plan page: a declined signature,
a check-in and the team member's note on it, and the one extension of a plan in review."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import pytest
from temporalio.testing import WorkflowEnvironment

from coaching.status import CheckInStatus, Phase, PlanStatus
from tests.web.browserless import (
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


@pytest.fixture
async def people(
    web_in_time: tuple[WebStack, WorkflowEnvironment],
) -> AsyncIterator[tuple[Browserless, WorkflowEnvironment]]:
    web, env = web_in_time
    sessions = Browserless(web)
    yield sessions, env
    await sessions.close()


async def until(web: WebStack, plan_id: str, ready: Callable[[PlanStatus], object]) -> PlanStatus:
    async def reached() -> bool:
        return bool(ready(await web.status(plan_id)))

    await eventually(reached)
    return await web.status(plan_id)


async def in_signing(sessions: Browserless) -> tuple[str, Person, Person]:
    priya, marcus, kwame = [await sessions.signed_in(e) for e in (PRIYA, MARCUS, KWAME)]
    plan_id = plan_id_from(await priya.post("/plans/new", example_form(KWAME)))
    assert (await marcus.post(f"/plans/{plan_id}/actions/approve", {})).status_code == 303
    for person in (priya, kwame):
        ready = await person.post(f"/plans/{plan_id}/actions/ready", {"version": "1"})
        assert ready.status_code == 303, ready.text
    return plan_id, priya, kwame


async def test_the_team_member_declines_and_co_authoring_reopens(
    people: tuple[Browserless, WorkflowEnvironment],
) -> None:
    sessions, _ = people
    plan_id, priya, kwame = await in_signing(sessions)

    declined = await kwame.post(
        f"/plans/{plan_id}/actions/decline", {"comment": "The dates clash with on-call"}
    )

    assert declined.status_code == 303, declined.text
    status = await sessions.web.status(plan_id)
    assert status.phase is Phase.co_authoring
    page = await priya.get(f"/plans/{plan_id}")
    assert "The dates clash with on-call" in page.text
    assert "Co-authoring" in page.text


async def test_a_check_in_its_note_and_the_extension_in_review(
    people: tuple[Browserless, WorkflowEnvironment],
) -> None:
    sessions, env = people
    web = sessions.web
    plan_id, priya, kwame = await in_signing(sessions)
    status = await web.status(plan_id)
    for person in (priya, kwame):
        signing = {"version": str(status.version), "sha256": status.sha256}
        signed = await person.post(f"/plans/{plan_id}/actions/sign", signing)
        assert signed.status_code == 303, signed.text
    status = await until(web, plan_id, lambda s: s.check_ins)

    await env.sleep(status.check_ins[0].due_at - await env.get_current_time())
    await until(web, plan_id, lambda s: s.check_ins[0].status is CheckInStatus.due)
    recorded = await priya.post(
        f"/plans/{plan_id}/actions/check-in",
        {
            "number": "1",
            **{f"progress.{i}.activity_id": f"a{i + 1}" for i in range(4)},
            **{f"progress.{i}.status": "in_progress" for i in range(4)},
            **{f"support.{i}.support_id": f"s{i + 1}" for i in range(3)},
            **{f"support.{i}.delivered": "yes" for i in range(3)},
            "feedback": "A strong first week",
        },
    )
    assert recorded.status_code == 303, recorded.text
    noted = await kwame.post(
        f"/plans/{plan_id}/actions/note", {"number": "1", "note": "The office hour helped"}
    )
    assert noted.status_code == 303, noted.text
    status = await web.status(plan_id)
    assert status.check_ins[0].status is CheckInStatus.recorded
    assert [n.text for n in status.check_ins[0].team_member_notes] == ["The office hour helped"]

    assert status.review_due_at is not None
    await env.sleep(status.review_due_at - await env.get_current_time() + timedelta(seconds=1))
    status = await until(web, plan_id, lambda s: s.phase is Phase.review)
    new_end = status.content.timeline.end + timedelta(days=14)
    extended = await priya.post(
        f"/plans/{plan_id}/actions/extend",
        {"new_end": new_end.isoformat(), "reason": "Two more design reviews"},
    )

    assert extended.status_code == 303, extended.text
    status = await web.status(plan_id)
    assert status.phase is Phase.active
    assert status.content.timeline.end == new_end
    page = await kwame.get(f"/plans/{plan_id}")
    assert "The office hour helped" in page.text
    assert "extended once" in page.text
