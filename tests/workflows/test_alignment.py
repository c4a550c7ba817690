"""Alignment: the skip-level agrees on the opportunity before the team member sees anything."""

from __future__ import annotations

from coaching.actions import RequestChanges, RevisePlan
from coaching.plan import Role
from coaching.policy import PlanPolicy
from coaching.status import Phase
from tests.workflows.running_plan import HR, MANAGER, MEMBER, SKIP, RunningPlan, plan_content
from workflows.coaching_plan import CoachingPlanWorkflow as Plan

REMINDER = "Reminder: a coaching plan is waiting"
ESCALATION = "has stalled"


async def test_requested_changes_go_back_to_the_manager_until_approved(
    plan: RunningPlan,
) -> None:
    await plan.act(
        Plan.request_changes,
        RequestChanges(actor=SKIP.email, comment="Name the stakeholders in the goal."),
    )
    status = await plan.status()
    assert [(o.role, o.action) for o in status.owed] == [
        (Role.manager, "revise the draft (changes requested)")
    ]
    assert plan.mail_to(MANAGER, "Changes requested")

    revised = plan_content(plan.start)
    goal = revised.goal.model_copy(
        update={"specific": "Send a weekly update to the product and sales leads"}
    )
    await plan.act(
        Plan.revise,
        RevisePlan(
            actor=MANAGER.email,
            content=revised.model_copy(update={"goal": goal}),
            summary="Stakeholders named",
        ),
    )
    status = await plan.status()
    assert status.version == 2
    assert status.owed[0].role is Role.skip_level
    await plan.settled()
    assert plan.shared_with(2) == [MANAGER.email, SKIP.email]
    assert plan.mail_to(MEMBER) == []

    await plan.align()
    await plan.reaches(Phase.co_authoring)
    assert MEMBER.email in plan.shared_with(2)
    await plan.received(MEMBER, "ready to shape together")
    await plan.keep_history("changes_requested_then_aligned")


async def test_skip_level_is_reminded_then_hr_is_asked_to_help(
    plan: RunningPlan, policy: PlanPolicy
) -> None:
    reminder = await plan.reminder_due()
    await plan.expect_at(reminder, SKIP, REMINDER)
    assert plan.mail_to(HR, ESCALATION) == []
    escalation = reminder - policy.alignment_reminder_after + policy.alignment_escalation_after
    await plan.expect_at(escalation, HR, ESCALATION)
    assert plan.mail_to(MEMBER) == []
    await plan.align()
    await plan.reaches(Phase.co_authoring)


async def test_a_manager_who_does_not_revise_is_reminded(
    plan: RunningPlan, policy: PlanPolicy
) -> None:
    await plan.act(Plan.request_changes, RequestChanges(actor=SKIP.email, comment="Add a measure."))
    reminder = await plan.reminder_due()
    assert reminder == (await plan.status()).events[-1].at + policy.alignment_reminder_after
    await plan.expect_at(reminder, MANAGER, REMINDER)
    assert plan.mail_to(SKIP, REMINDER) == []
