"""Co-authoring: both sides shape the activities; each proposal is a new version."""

from __future__ import annotations

from coaching.actions import ActivityDraft, MarkReady, ProposeActivities
from coaching.notices import NoticeKind
from coaching.plan import Role
from coaching.policy import PlanPolicy
from coaching.status import Phase
from tests.workflows.running_plan import MANAGER, MEMBER, RunningPlan, eventually
from workflows.coaching_plan import CoachingPlanWorkflow as Plan


async def test_counter_proposals_make_versions_until_both_are_ready(plan: RunningPlan) -> None:
    await plan.align()
    await plan.reaches(Phase.co_authoring)
    await plan.act(
        Plan.propose_activities,
        ProposeActivities(
            actor=MEMBER.email,
            activities=[
                ActivityDraft(id="a1", description="Draft an update template together"),
                ActivityDraft(description="Run a stakeholder update dry-run with a peer"),
            ],
            note="Swap shadowing for a dry-run",
        ),
    )
    status = await plan.status()
    assert status.version == 2
    assert [(a.id, a.proposed_by) for a in status.content.activities] == [
        ("a1", Role.manager),
        ("a3", Role.team_member),
    ]
    assert status.ready == [Role.team_member]
    assert plan.mail_to(MANAGER, "New proposal")

    await plan.act(
        Plan.propose_activities,
        ProposeActivities(
            actor=MANAGER.email,
            activities=[
                ActivityDraft(id="a1", description="Draft an update template together"),
                ActivityDraft(id="a3", description="Run a stakeholder update dry-run with a peer"),
                ActivityDraft(description="Shadow the lead's stakeholder review once"),
            ],
            note="Keep the dry-run, add one shadowing session",
        ),
    )
    status = await plan.status()
    assert status.version == 3
    assert status.ready == [Role.manager]
    assert status.content.activities[2].proposed_by is Role.manager
    assert [o.role for o in status.owed] == [Role.team_member]

    await plan.act(Plan.mark_ready, MarkReady(actor=MEMBER.email, version=3))
    status = await plan.reaches(Phase.signing)
    assert [v.number for v in status.versions] == [1, 2, 3]
    await eventually(lambda: bool(plan.notices_to(MEMBER, NoticeKind.signing_requested)))


async def test_silence_in_co_authoring_brings_reminders_to_whoever_owes(
    plan: RunningPlan, policy: PlanPolicy
) -> None:
    await plan.align()
    await plan.reaches(Phase.co_authoring)
    await plan.act(Plan.mark_ready, MarkReady(actor=MANAGER.email, version=1))
    reminder = await plan.reminder_due()
    assert reminder == (await plan.status()).events[-1].at + policy.co_authoring_reminder_after
    await plan.expect_at(reminder, MEMBER, "Reminder")
    assert plan.mail_to(MANAGER, "Reminder") == []
