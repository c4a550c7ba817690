"""The review: due at the end date, reminded, escalated, and closed by timeout if it never comes."""

from __future__ import annotations

from datetime import timedelta

import icalendar

from coaching.actions import CancelPlan, ExtendPlan, ReviewOutcome, SubmitReview
from coaching.policy import PlanPolicy
from coaching.status import CheckInStatus, Outcome, Phase, PlanStatus
from tests.workflows.running_plan import HR, MANAGER, MEMBER, SKIP, RunningPlan
from workflows.coaching_plan import CoachingPlanWorkflow as Plan


async def _to_review(plan: RunningPlan) -> PlanStatus:
    await plan.activate()
    status = await plan.reaches(Phase.active)
    assert status.review_due_at is not None
    await plan.advance_to(status.review_due_at + timedelta(seconds=1))
    return await plan.reaches(Phase.review)


async def test_an_overdue_review_is_reminded_escalated_then_closed_without_review(
    plan: RunningPlan, policy: PlanPolicy
) -> None:
    status = await _to_review(plan)
    assert status.review_due_at is not None
    due = status.review_due_at
    assert all(c.status is CheckInStatus.missed for c in status.check_ins)
    await plan.received(MANAGER, "review is due")

    await plan.expect_at(due + policy.review_reminder_after, MANAGER, "Reminder")
    assert plan.mail_to(HR, "has stalled") == []
    await plan.expect_at(due + policy.review_escalation_after, SKIP, "has stalled")
    assert plan.mail_to(HR, "has stalled")

    await plan.advance_to(due + policy.review_closure_after - timedelta(minutes=1))
    await plan.settled()
    assert (await plan.status()).phase is Phase.review
    await plan.advance_to(due + policy.review_closure_after + timedelta(minutes=1))
    assert await plan.handle.result() is Outcome.closed_without_review
    await plan.keep_history("closed_without_review")
    assert plan.mail_to(HR, "closed")
    assert (await plan.status()).phase is Phase.closed


async def test_the_team_member_has_a_window_to_comment_then_the_plan_closes(
    plan: RunningPlan, policy: PlanPolicy
) -> None:
    await _to_review(plan)
    await plan.act(
        Plan.submit_review,
        SubmitReview(
            actor=MANAGER.email,
            outcome=ReviewOutcome.partially_achieved,
            achievements="Two of four updates went out on time.",
            next_steps="Keep the template; pair on the next two.",
        ),
    )
    status = await plan.status()
    assert status.owed[0].optional
    submitted = status.events[-1].at
    await plan.advance_to(submitted + policy.review_comment_window - timedelta(minutes=1))
    await plan.settled()
    assert (await plan.status()).phase is Phase.review
    await plan.advance_to(submitted + policy.review_comment_window + timedelta(minutes=1))
    assert await plan.handle.result() is Outcome.partially_achieved
    assert plan.mail_to(MEMBER, "closed")


async def test_extending_once_returns_to_active_with_more_check_ins(plan: RunningPlan) -> None:
    status = await _to_review(plan)
    end = status.content.timeline.end
    count = len(status.check_ins)
    new_end = end + timedelta(days=14)
    await plan.act(
        Plan.extend,
        ExtendPlan(actor=MANAGER.email, new_end=new_end, reason="Two more updates to practise"),
    )
    status = await plan.reaches(Phase.active)
    assert status.content.timeline.end == new_end
    assert len(status.check_ins) == count + 2
    assert status.review_due_at is not None
    assert status.review_due_at.date() == new_end
    assert plan.mail_to(HR, "extended")

    invite = icalendar.Calendar.from_ical(
        (plan.data_dir / "invites" / f"{status.plan_id}.ics").read_bytes()
    )
    event = next(iter(invite.walk("VEVENT")))
    assert int(event["SEQUENCE"]) == 1
    assert event["RRULE"]["UNTIL"][0] == status.check_ins[-1].due_at

    await plan.advance_to(status.review_due_at + timedelta(seconds=1))
    await plan.reaches(Phase.review)
    again = ExtendPlan(actor=MANAGER.email, new_end=new_end + timedelta(days=3), reason="More")
    assert "already extended once" in await plan.refused(Plan.extend, again)
    await plan.act(Plan.cancel, CancelPlan(actor=HR.email, reason="Closing the extended plan."))
    assert await plan.handle.result() is Outcome.cancelled
    await plan.keep_history("extended_then_cancelled")
