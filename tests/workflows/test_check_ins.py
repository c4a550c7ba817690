"""The active phase: a durable timer per check-in, with the manager's support tracked too."""

from __future__ import annotations

from datetime import timedelta

from coaching.actions import ActivityProgress, RecordCheckIn, SupportDelivery
from coaching.plan import ActivityStatus, Role
from coaching.policy import PlanPolicy
from coaching.schedule import check_in_times
from coaching.status import CheckInStatus, Phase
from tests.workflows.running_plan import MANAGER, RunningPlan, eventually
from workflows.coaching_plan import CoachingPlanWorkflow as Plan

NO_NOTES = "has no notes yet"


async def test_check_ins_follow_the_cadence_until_the_end_date(plan: RunningPlan) -> None:
    await plan.activate()
    status = await plan.reaches(Phase.active)
    content = status.content
    expected = check_in_times(content.cadence, content.timeline.start, content.timeline.end)
    assert [c.due_at for c in status.check_ins] == expected
    assert all(c.status is CheckInStatus.scheduled for c in status.check_ins)
    assert status.review_due_at is not None
    assert status.review_due_at.date() == content.timeline.end


async def test_a_check_in_without_notes_is_reminded_after_grace_then_missed(
    plan: RunningPlan, policy: PlanPolicy
) -> None:
    await plan.activate()
    status = await plan.reaches(Phase.active)
    first, second = status.check_ins[0], status.check_ins[1]

    await plan.advance_to(first.due_at + timedelta(minutes=1))
    await eventually(lambda: _check_in_status_is(plan, 1, CheckInStatus.due))
    status = await plan.status()
    assert [(o.role, o.action, o.due) for o in status.owed] == [
        (Role.manager, "record check-in 1", first.due_at + policy.check_in_grace),
        (Role.manager, "hold check-in 2", second.due_at),
    ]

    await plan.expect_at(first.due_at + policy.check_in_grace, MANAGER, NO_NOTES)
    await eventually(lambda: _check_in_status_is(plan, 1, CheckInStatus.overdue))

    await plan.advance_to(second.due_at + timedelta(minutes=1))
    await eventually(lambda: _check_in_status_is(plan, 1, CheckInStatus.missed))
    assert (await plan.status()).check_ins[1].status is CheckInStatus.due


async def test_recording_progress_makes_a_version_without_new_signatures(
    plan: RunningPlan, policy: PlanPolicy
) -> None:
    await plan.activate()
    status = await plan.reaches(Phase.active)
    signed = status.version
    first = status.check_ins[0]
    await plan.advance_to(first.due_at + timedelta(hours=3))
    await eventually(lambda: _check_in_status_is(plan, 1, CheckInStatus.due))
    await plan.act(
        Plan.record_check_in,
        RecordCheckIn(
            actor=MANAGER.email,
            number=1,
            progress=[
                ActivityProgress(activity_id="a1", status=ActivityStatus.done, note="Template"),
                ActivityProgress(activity_id="a2", status=ActivityStatus.in_progress),
            ],
            support=[
                SupportDelivery(support_id="s1", delivered=True),
                SupportDelivery(support_id="s2", delivered=False, note="I was travelling"),
            ],
            feedback="A strong first update.",
            adjustments="Shadowing moves to week two.",
        ),
    )
    status = await plan.status()
    assert status.version == signed + 1
    assert status.content.activities[0].status is ActivityStatus.done
    assert all(s.valid and s.version == signed for s in status.signatures)
    assert status.check_ins[0].status is CheckInStatus.recorded
    assert [o.action for o in status.owed] == ["hold check-in 2"]

    await plan.advance_to(first.due_at + policy.check_in_grace + timedelta(hours=1))
    await plan.settled()
    assert plan.mail_to(MANAGER, NO_NOTES) == []
    form = await plan.handle.query(Plan.review_form)
    assert form.support[1].not_delivered == 1
    assert form.support[1].notes == ["Check-in 1: I was travelling"]


async def _check_in_status_is(plan: RunningPlan, number: int, expected: CheckInStatus) -> bool:
    return (await plan.status()).check_ins[number - 1].status is expected
