"""HR's records follow the plan: every phase change and action is written once, refusals too."""

from __future__ import annotations

from datetime import timedelta

from coaching.actions import CommentOnReview, ReviewOutcome, SubmitReview
from coaching.records import Refusal
from coaching.status import Outcome, Phase
from tests.workflows.running_plan import MANAGER, MEMBER, STRANGER, RunningPlan, eventually
from workflows.coaching_plan import CoachingPlanWorkflow as Plan


async def test_hr_records_follow_the_plan_to_its_close(plan: RunningPlan) -> None:
    assert (await plan.stored()).plan.phase is Phase.alignment
    assert (await plan.stored()).plan.team_member_included is False

    await plan.activate()
    status = await plan.reaches(Phase.active)
    record = await plan.stored()
    assert record.plan.phase is Phase.active
    assert [s.role for s in record.signatures] == [s.role for s in status.signatures]
    assert len(record.check_ins) == len(status.check_ins)

    assert status.review_due_at is not None
    await plan.advance_to(status.review_due_at + timedelta(seconds=1))
    await plan.reaches(Phase.review)
    await plan.act(
        Plan.submit_review,
        SubmitReview(
            actor=MANAGER.email,
            outcome=ReviewOutcome.achieved,
            achievements="Four on-time updates.",
            next_steps="Quarterly review.",
        ),
    )
    await plan.act(Plan.comment_on_review, CommentOnReview(actor=MEMBER.email, comment="Thanks."))
    assert await plan.handle.result() is Outcome.achieved

    status = await plan.status()
    record = await plan.stored()
    assert record.plan.phase is Phase.closed
    assert record.plan.outcome is Outcome.achieved
    assert record.plan.closed_at is not None
    assert record.plan.next_deadline is None
    assert record.review is not None
    assert record.review.team_member_comment == "Thanks."
    assert [v.number for v in record.versions] == [v.number for v in status.versions]
    assert [(a.action, a.actor, a.version) for a in record.audit] == [
        (e.kind, e.actor, e.version) for e in status.events
    ], "every event exactly once, in order"


async def test_the_stored_deadline_is_the_live_one(plan: RunningPlan) -> None:
    await plan.align()
    status = await plan.reaches(Phase.co_authoring)

    record = await plan.stored()
    assert record.plan.phase is Phase.co_authoring
    assert record.plan.team_member_included is True, "the team member's My plans lists it"
    assert record.plan.next_deadline == status.owed[0].due
    assert set(record.plan.next_owed_by) == {o.role for o in status.owed}


async def test_a_refusal_reaches_the_audit_log_but_not_the_plan(plan: RunningPlan) -> None:
    before = await plan.status()

    await plan.handle.signal(
        Plan.note_refusal,
        Refusal(actor=STRANGER, action="approve", reason="not a party to this coaching plan"),
    )

    async def refusal_stored() -> bool:
        return any(line.refused for line in (await plan.stored()).audit)

    await eventually(refusal_stored)
    refused = [line for line in (await plan.stored()).audit if line.refused]
    assert [(r.actor, r.action, r.version) for r in refused] == [(STRANGER, "approve", 1)]
    assert (await plan.status()).events == before.events


async def test_a_malformed_refusal_report_is_dropped(plan: RunningPlan) -> None:
    await plan.handle.signal("note_refusal", {"actor": STRANGER})
    await plan.handle.signal(
        Plan.note_refusal, Refusal(actor=STRANGER, action="sign", reason="wrong phase")
    )

    async def refusal_stored() -> bool:
        return any(line.refused for line in (await plan.stored()).audit)

    await eventually(refusal_stored)
    assert [r.action for r in (await plan.stored()).audit if r.refused] == ["sign"]
