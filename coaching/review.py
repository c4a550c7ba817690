"""The review form, pre-filled from the check-ins, so an outcome rests on evidence."""

from __future__ import annotations

from coaching.actions import ReviewOutcome
from coaching.plan import ActivityStatus, PlanContent
from coaching.status import (
    ActivityEvidence,
    CheckIn,
    CheckInStatus,
    ReviewForm,
    SupportEvidence,
)


def prefill_review_form(content: PlanContent, check_ins: list[CheckIn]) -> ReviewForm:
    recorded = [c for c in check_ins if c.status is CheckInStatus.recorded]
    activities = [
        ActivityEvidence(
            activity_id=activity.id,
            description=activity.description,
            status=activity.status,
            notes=[
                f"Check-in {c.number}: {p.status.value}" + (f", {p.note}" if p.note else "")
                for c in recorded
                for p in c.progress
                if p.activity_id == activity.id
            ],
        )
        for activity in content.activities
    ]
    support = []
    for commitment in content.support:
        reports = [
            (c.number, s) for c in recorded for s in c.support if s.support_id == commitment.id
        ]
        support.append(
            SupportEvidence(
                support_id=commitment.id,
                kind=commitment.kind,
                description=commitment.description,
                delivered=sum(1 for _, s in reports if s.delivered),
                not_delivered=sum(1 for _, s in reports if not s.delivered),
                notes=[f"Check-in {number}: {s.note}" for number, s in reports if s.note],
            )
        )
    return ReviewForm(
        activities=activities,
        support=support,
        check_ins_recorded=len(recorded),
        check_ins_missed=sum(1 for c in check_ins if c.status is CheckInStatus.missed),
        check_ins_skipped=sum(1 for c in check_ins if c.status is CheckInStatus.skipped),
        feedback=[f"Check-in {c.number}: {c.feedback}" for c in recorded],
        team_member_notes=[
            f"Check-in {c.number}: {note.text}" for c in check_ins for note in c.team_member_notes
        ],
        suggested_outcome=suggest_outcome(content),
    )


def suggest_outcome(content: PlanContent) -> ReviewOutcome:
    """A starting point only: the manager decides, with the goal's measure in hand."""
    counted = [a for a in content.activities if a.status is not ActivityStatus.dropped]
    done = sum(1 for a in counted if a.status is ActivityStatus.done)
    if counted and done == len(counted):
        return ReviewOutcome.achieved
    if done * 2 >= len(counted) and done > 0:
        return ReviewOutcome.partially_achieved
    return ReviewOutcome.not_achieved
