"""Signing: both sign the exact final version; a change voids a signature; declining is heard."""

from __future__ import annotations

from coaching.actions import (
    ActivityDraft,
    CancelPlan,
    DeclineToSign,
    MarkReady,
    ProposeActivities,
)
from coaching.plan import Role
from coaching.policy import PlanPolicy
from coaching.status import Outcome, Phase
from tests.outbox import text_of
from tests.workflows.running_plan import HR, MANAGER, MEMBER, SKIP, RunningPlan
from workflows.coaching_plan import CoachingPlanWorkflow as Plan


async def _to_signing(plan: RunningPlan) -> None:
    await plan.align()
    await plan.agree()
    await plan.reaches(Phase.signing)


async def test_a_change_after_a_signature_voids_it(plan: RunningPlan) -> None:
    await _to_signing(plan)
    await plan.sign_by(MANAGER)
    await plan.act(
        Plan.propose_activities,
        ProposeActivities(
            actor=MEMBER.email,
            activities=[
                ActivityDraft(id="a1", description="Draft an update template with the manager"),
                ActivityDraft(id="a2", description="Shadow two stakeholder reviews, not one"),
            ],
            note="One more shadowing session",
        ),
    )
    status = await plan.status()
    assert status.phase is Phase.signing
    assert status.version == 2
    [voided] = status.signatures
    assert voided.version == 1
    assert voided.voided_at is not None
    assert "version 2 changed the plan" in voided.voided_because
    assert {o.role for o in status.owed} == {Role.manager, Role.team_member}
    assert plan.mail_to(MANAGER, "New proposal")

    await plan.sign_by(MANAGER)
    await plan.sign_by(MEMBER)
    status = await plan.reaches(Phase.active)
    valid = [s for s in status.signatures if s.valid]
    assert {(s.role, s.version) for s in valid} == {(Role.manager, 2), (Role.team_member, 2)}


async def test_declining_tells_hr_and_reopens_co_authoring(plan: RunningPlan) -> None:
    await _to_signing(plan)
    await plan.sign_by(MANAGER)
    await plan.act(
        Plan.decline,
        DeclineToSign(actor=MEMBER.email, comment="The timeline overlaps my on-call weeks."),
    )
    status = await plan.reaches(Phase.co_authoring)
    assert all(not s.valid for s in status.signatures)
    [to_hr] = plan.mail_to(HR, "declined to sign")
    assert "on-call weeks" in text_of(to_hr)
    assert plan.mail_to(MEMBER, "declined") == []

    await plan.act(Plan.mark_ready, MarkReady(actor=MANAGER.email, version=1))
    await plan.act(Plan.mark_ready, MarkReady(actor=MEMBER.email, version=1))
    await plan.reaches(Phase.signing)


async def test_unsigned_plans_are_reminded_then_escalated(
    plan: RunningPlan, policy: PlanPolicy
) -> None:
    await _to_signing(plan)
    await plan.sign_by(MANAGER)
    reminder = await plan.reminder_due()
    await plan.expect_at(reminder, MEMBER, "Reminder")
    assert plan.mail_to(MANAGER, "Reminder") == []
    escalation = reminder - policy.signing_reminder_after + policy.signing_escalation_after
    await plan.expect_at(escalation, SKIP, "has stalled")
    assert plan.mail_to(HR, "has stalled")


async def test_a_declined_plan_is_signed_after_another_round(plan: RunningPlan) -> None:
    await _to_signing(plan)
    await plan.sign_by(MANAGER)
    await plan.act(Plan.decline, DeclineToSign(actor=MEMBER.email, comment="Too much at once."))
    await plan.reaches(Phase.co_authoring)
    await plan.act(
        Plan.propose_activities,
        ProposeActivities(
            actor=MEMBER.email,
            activities=[ActivityDraft(id="a1", description="Draft an update template together")],
            note="One activity is enough for now",
        ),
    )
    await plan.act(Plan.mark_ready, MarkReady(actor=MANAGER.email, version=2))
    await plan.reaches(Phase.signing)
    await plan.sign_by(MANAGER)
    await plan.sign_by(MEMBER)
    status = await plan.reaches(Phase.active)
    assert {(s.role, s.version) for s in status.signatures if s.valid} == {
        (Role.manager, 2),
        (Role.team_member, 2),
    }
    assert len(plan.mail_to(HR, "declined to sign")) == 1
    await plan.act(Plan.cancel, CancelPlan(actor=HR.email, reason="Recorded for replay."))
    assert await plan.handle.result() is Outcome.cancelled
    await plan.keep_history("declined_then_signed")
