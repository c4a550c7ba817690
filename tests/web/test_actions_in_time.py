"""The actions that need time to have passed, done on the plan page: a declined signature,
a check-in and the team member's note on it, and the one extension of a plan in review."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import pytest
import recurring_ical_events
from icalendar import Calendar
from temporalio.testing import WorkflowEnvironment

from coaching.notices import NoticeKind
from coaching.status import CheckInStatus, Phase, PlanStatus
from tests.outbox import text_of
from tests.signatures import signing_form
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


async def active(sessions: Browserless) -> tuple[str, Person, Person]:
    plan_id, priya, kwame = await in_signing(sessions)
    status = await sessions.web.status(plan_id)
    for person in (priya, kwame):
        signing = signing_form(status)
        signed = await person.post(f"/plans/{plan_id}/actions/sign", signing)
        assert signed.status_code == 303, signed.text
    await until(sessions.web, plan_id, lambda s: s.check_ins)
    return plan_id, priya, kwame


async def test_the_manager_moves_check_in_2_to_the_next_day_and_everyone_sees_it(
    people: tuple[Browserless, WorkflowEnvironment],
) -> None:
    sessions, _ = people
    web = sessions.web
    plan_id, priya, kwame = await active(sessions)
    status = await web.status(plan_id)
    zone = status.content.cadence.zone
    planned = [c.due_at for c in status.check_ins]
    next_day = planned[1].astimezone(zone) + timedelta(days=1)
    move = {
        "number": "2",
        "day": next_day.date().isoformat(),
        "time": f"{next_day:%H:%M}",
        "time_zone": "Europe/Berlin",
        "reason": "Travelling that Thursday",
    }

    by_kwame = await kwame.post(f"/plans/{plan_id}/actions/move-check-in", move)
    assert by_kwame.status_code == 403
    no_day = await priya.post(f"/plans/{plan_id}/actions/move-check-in", {**move, "day": ""})
    assert no_day.status_code == 422
    assert "New day" in no_day.text or "day" in no_day.text
    too_late = (planned[2].astimezone(zone) + timedelta(days=1)).date().isoformat()
    crossing = await priya.post(
        f"/plans/{plan_id}/actions/move-check-in", {**move, "day": too_late}
    )
    assert crossing.status_code == 422
    assert "to: check-in 2 must be after" in crossing.text
    assert [c.due_at for c in (await web.status(plan_id)).check_ins] == planned

    moved = await priya.post(f"/plans/{plan_id}/actions/move-check-in", move)
    assert moved.status_code == 303, moved.text
    status = await until(web, plan_id, lambda s: s.check_ins[1].due_at != planned[1])
    assert status.check_ins[1].due_at == next_day

    invite = Calendar.from_ical((web.settings.data_dir / "invites" / f"{plan_id}.ics").read_bytes())
    window = (planned[0] - timedelta(days=1), planned[-1] + timedelta(days=1))
    held = sorted(e.decoded("dtstart") for e in recurring_ical_events.of(invite).between(*window))
    assert held == sorted([planned[0], next_day, *planned[2:]])
    assert len([e for e in invite.events if "RECURRENCE-ID" in e]) == 1

    shown = f"{next_day:%a} {next_day.day} {next_day:%b %Y}, {next_day:%H:%M} Europe/Berlin"
    assert shown in (await kwame.get(f"/plans/{plan_id}")).text
    assert "Travelling that Thursday" in (await kwame.get(f"/plans/{plan_id}")).text
    await eventually(lambda: bool(web.notices_to(KWAME, NoticeKind.check_in_moved)))
    message = text_of(web.notices_to(KWAME, NoticeKind.check_in_moved)[0])
    assert f"{next_day:%H:%M}" in message
    assert "Europe/Berlin" in message

    skipped = await priya.post(
        f"/plans/{plan_id}/actions/skip-check-in", {"number": "3", "reason": "Offsite week"}
    )
    assert skipped.status_code == 303, skipped.text
    status = await web.status(plan_id)
    assert status.check_ins[2].status is CheckInStatus.skipped
    again = await priya.post(
        f"/plans/{plan_id}/actions/skip-check-in", {"number": "3", "reason": "Offsite week"}
    )
    assert again.status_code == 409
    assert "was skipped" in again.text


async def test_a_check_in_its_note_and_the_extension_in_review(
    people: tuple[Browserless, WorkflowEnvironment],
) -> None:
    sessions, env = people
    web = sessions.web
    plan_id, priya, kwame = await in_signing(sessions)
    status = await web.status(plan_id)
    for person in (priya, kwame):
        signing = signing_form(status)
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
