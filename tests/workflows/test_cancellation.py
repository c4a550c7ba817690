"""Cancelling, by the manager or HR, from any phase: the same clean-up as closing."""

from __future__ import annotations

from datetime import timedelta

import icalendar
import pytest
from temporalio.service import RPCError

from coaching.actions import CancelPlan
from coaching.status import Outcome, Phase
from tests.workflows.running_plan import HR, MANAGER, MEMBER, SKIP, RunningPlan
from workflows.coaching_plan import CoachingPlanWorkflow as Plan


async def _reach(plan: RunningPlan, phase: Phase) -> None:
    if phase is Phase.alignment:
        return
    await plan.align()
    if phase is Phase.co_authoring:
        await plan.reaches(phase)
        return
    await plan.agree()
    await plan.reaches(Phase.signing)
    if phase is Phase.signing:
        return
    await plan.sign_by(MANAGER)
    await plan.sign_by(MEMBER)
    status = await plan.reaches(Phase.active)
    if phase is Phase.review:
        assert status.review_due_at is not None
        await plan.advance_to(status.review_due_at + timedelta(seconds=1))
        await plan.reaches(phase)


@pytest.mark.parametrize(
    "phase",
    [Phase.alignment, Phase.co_authoring, Phase.signing, Phase.active, Phase.review],
)
async def test_cancelling_from_any_phase_cleans_up_and_tells_the_parties(
    plan: RunningPlan, phase: Phase
) -> None:
    await _reach(plan, phase)
    canceller = HR if phase is Phase.signing else MANAGER
    await plan.act(
        Plan.cancel, CancelPlan(actor=canceller.email, reason="The team member changes teams.")
    )
    assert await plan.handle.result() is Outcome.cancelled
    status = await plan.status()
    assert status.phase is Phase.cancelled
    assert status.events[-1].kind == "cancelled"
    for person in (MANAGER, SKIP, HR):
        assert plan.mail_to(person, "cancelled")
    assert bool(plan.mail_to(MEMBER, "cancelled")) == (phase is not Phase.alignment)

    invite_path = plan.data_dir / "invites" / f"{status.plan_id}.ics"
    if phase is Phase.active:
        invite = icalendar.Calendar.from_ical(invite_path.read_bytes())
        assert str(invite["METHOD"]) == "CANCEL"
        assert str(next(iter(invite.walk("VEVENT")))["STATUS"]) == "CANCELLED"
    elif phase is not Phase.review:
        assert not invite_path.exists()
    await plan.keep_history(f"cancelled_in_{phase.value}")


async def test_a_finished_plan_cannot_be_cancelled(plan: RunningPlan) -> None:
    await plan.act(Plan.cancel, CancelPlan(actor=MANAGER.email, reason="Started by mistake."))
    await plan.handle.result()
    with pytest.raises(RPCError):
        await plan.act(Plan.cancel, CancelPlan(actor=HR.email, reason="Again, to be sure."))
