"""A whole plan, as it should go: aligned, co-authored, signed, held, reviewed, closed."""

from __future__ import annotations

from datetime import timedelta

import icalendar

from coaching.actions import (
    ActivityDraft,
    ActivityProgress,
    AddCheckInNote,
    CommentOnReview,
    MarkReady,
    ProposeActivities,
    RecordCheckIn,
    ReviewOutcome,
    SubmitReview,
    SupportDelivery,
)
from coaching.plan import ActivityStatus, Role
from coaching.status import CheckInStatus, Outcome, Phase
from tests.workflows.running_plan import HR, MANAGER, MEMBER, SKIP, RunningPlan, eventually
from workflows.coaching_plan import CoachingPlanWorkflow


async def test_a_plan_goes_from_draft_to_closed_with_evidence(plan: RunningPlan) -> None:
    status = await plan.status()
    assert status.phase is Phase.alignment
    assert [o.role for o in status.owed] == [Role.skip_level]

    await plan.align()
    status = await plan.reaches(Phase.co_authoring)
    await plan.act(
        CoachingPlanWorkflow.propose_activities,
        ProposeActivities(
            actor=MEMBER.email,
            activities=[
                ActivityDraft(id="a1", description="Draft an update template with the manager"),
                ActivityDraft(id="a2", description="Shadow the lead's stakeholder review"),
                ActivityDraft(description="Present one update in the team meeting"),
            ],
            note="I'd like to practise presenting too",
        ),
    )
    status = await plan.status()
    assert status.version == 2
    assert status.content.activities[2].proposed_by is Role.team_member
    assert status.ready == [Role.team_member]
    await plan.act(CoachingPlanWorkflow.mark_ready, MarkReady(actor=MANAGER.email, version=2))
    await plan.reaches(Phase.signing)
    await plan.sign_by(MANAGER)
    await plan.sign_by(MEMBER)
    status = await plan.reaches(Phase.active)
    assert {s.role for s in status.signatures} == {Role.manager, Role.team_member}
    assert all(s.sha256 == status.sha256 and s.valid for s in status.signatures)

    invite = icalendar.Calendar.from_ical(
        (plan.data_dir / "invites" / f"{status.plan_id}.ics").read_bytes()
    )
    event = next(c for c in invite.walk("VEVENT"))
    assert event["RRULE"]["FREQ"] == ["WEEKLY"]
    assert len(status.check_ins) >= 4

    for check_in in status.check_ins:
        await plan.advance_to(check_in.due_at + timedelta(hours=2))
        await eventually(lambda n=check_in.number: _check_in_is_due(plan, n))
        last = check_in.number == len(status.check_ins)
        await plan.act(
            CoachingPlanWorkflow.record_check_in,
            RecordCheckIn(
                actor=MANAGER.email,
                number=check_in.number,
                progress=[
                    ActivityProgress(
                        activity_id=a.id,
                        status=ActivityStatus.done if last else ActivityStatus.in_progress,
                        note="steady progress",
                    )
                    for a in status.content.activities
                ],
                support=[
                    SupportDelivery(support_id="s1", delivered=True),
                    SupportDelivery(support_id="s2", delivered=check_in.number > 1),
                ],
                feedback="Updates are clearer every week.",
            ),
        )
        await plan.act(
            CoachingPlanWorkflow.add_check_in_note,
            AddCheckInNote(actor=MEMBER.email, number=check_in.number, note="Felt supported."),
        )

    status = await plan.status()
    assert all(c.status is CheckInStatus.recorded for c in status.check_ins)
    assert plan.mail_to(MANAGER, "has no notes yet") == []

    assert status.review_due_at is not None
    await plan.advance_to(status.review_due_at + timedelta(minutes=5))
    await plan.reaches(Phase.review)
    form = await plan.handle.query(CoachingPlanWorkflow.review_form)
    assert form.suggested_outcome is ReviewOutcome.achieved
    assert form.check_ins_recorded == len(status.check_ins)
    assert form.support[1].not_delivered == 1
    assert form.support[0].delivered == len(status.check_ins)
    assert "steady progress" in form.activities[0].notes[0]

    await plan.act(
        CoachingPlanWorkflow.submit_review,
        SubmitReview(
            actor=MANAGER.email,
            outcome=ReviewOutcome.achieved,
            achievements="Four on-time updates; presented once to the team.",
            next_steps="Run the quarterly stakeholder review.",
        ),
    )
    await plan.act(
        CoachingPlanWorkflow.comment_on_review,
        CommentOnReview(actor=MEMBER.email, comment="Thanks, this helped a lot."),
    )
    assert await plan.handle.result() is Outcome.achieved
    await plan.keep_history("happy_path")
    events, size = await plan.history_size()
    assert events <= 300, "a whole life fits in 300 events"
    assert size <= 100 * 1024, f"a whole life fits in 100 KiB, not {size} bytes"

    status = await plan.status()
    assert status.phase is Phase.closed
    assert status.review is not None
    assert status.review.evidence.check_ins_recorded == len(status.check_ins)
    final = (plan.data_dir / "documents" / status.plan_id / f"v{status.version}.md").read_text()
    assert "Thanks, this helped a lot." in final
    assert plan.mail_to(HR, "closed")
    assert plan.mail_to(SKIP, "closed")
    recipients = {addr for m in plan.outbox() for addr in str(m["To"]).split(",")}
    assert all(any(p.email in r for p in (MANAGER, MEMBER, SKIP, HR)) for r in recipients)


async def _check_in_is_due(plan: RunningPlan, number: int) -> bool:
    return (await plan.status()).check_ins[number - 1].status is not CheckInStatus.scheduled
