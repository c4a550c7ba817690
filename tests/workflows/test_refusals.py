"""Every human action refuses the wrong person, the wrong phase and bad data, changing nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from coaching.actions import (
    SIGNING_INTENT,
    ActivityDraft,
    ActivityProgress,
    AddCheckInNote,
    ApproveAlignment,
    CancelPlan,
    CommentOnReview,
    DeclineToSign,
    ExtendPlan,
    MarkReady,
    ProposeActivities,
    RecordCheckIn,
    RequestChanges,
    ReviewOutcome,
    RevisePlan,
    SignPlan,
    SubmitReview,
    SupportDelivery,
)
from coaching.plan import ActivityStatus
from coaching.status import Phase, RefusalKind
from tests.signatures import signature as signed_with_evidence
from tests.workflows.running_plan import (
    HR,
    MANAGER,
    MEMBER,
    SKIP,
    STRANGER,
    RunningPlan,
    plan_content,
)
from workflows.coaching_plan import CoachingPlanWorkflow as Plan

COMMENT = "Please make the goal measurable."


def check_in(actor: str, number: int, activity: str = "a1", support: str = "s1") -> RecordCheckIn:
    return RecordCheckIn(
        actor=actor,
        number=number,
        progress=[ActivityProgress(activity_id=activity, status=ActivityStatus.in_progress)],
        support=[SupportDelivery(support_id=support, delivered=True)],
        feedback="Good week.",
    )


def review(actor: str) -> SubmitReview:
    return SubmitReview(
        actor=actor,
        outcome=ReviewOutcome.achieved,
        achievements="All updates sent.",
        next_steps="Keep going.",
    )


async def refused_raw(plan: RunningPlan, update: str, payload: dict[str, Any]) -> str:
    """Bad data as a web form or script would send it: it never reaches the plan."""
    return await plan.refused(update, payload)


async def test_alignment_refuses_wrong_person_phase_and_data(plan: RunningPlan) -> None:
    manager_approves = ApproveAlignment(actor=MANAGER.email)
    assert "only the skip level may approve" in await plan.refused(Plan.approve, manager_approves)
    stranger = ApproveAlignment(actor=STRANGER)
    assert "not a party to this coaching plan" in await plan.refused(Plan.approve, stranger)
    member_asks = RequestChanges(actor=MEMBER.email, comment=COMMENT)
    assert "only the skip level" in await plan.refused(Plan.request_changes, member_asks)
    content = (await plan.status()).content
    skip_revises = RevisePlan(actor=SKIP.email, content=content, summary="Mine now")
    assert "only the manager may revise" in await plan.refused(Plan.revise, skip_revises)
    member_cancels = CancelPlan(actor=MEMBER.email, reason="I don't want it")
    assert "only the hr or manager" in await plan.refused(Plan.cancel, member_cancels)

    too_early: list[tuple[Any, Any]] = [
        (
            Plan.propose_activities,
            ProposeActivities(
                actor=MANAGER.email, activities=[ActivityDraft(description="Read a book")]
            ),
        ),
        (Plan.mark_ready, MarkReady(actor=MANAGER.email, version=1)),
        (
            Plan.sign,
            SignPlan(actor=MANAGER.email, version=1, sha256="0" * 64, intent=SIGNING_INTENT),
        ),
        (Plan.decline, DeclineToSign(actor=MEMBER.email, comment="Not fair")),
        (Plan.record_check_in, check_in(MANAGER.email, 1)),
        (Plan.add_check_in_note, AddCheckInNote(actor=MEMBER.email, number=1, note="Hello")),
        (Plan.submit_review, review(MANAGER.email)),
        (Plan.comment_on_review, CommentOnReview(actor=MEMBER.email, comment="Thanks")),
        (
            Plan.extend,
            ExtendPlan(
                actor=MANAGER.email, new_end=plan.start + timedelta(days=40), reason="More time"
            ),
        ),
    ]
    for update, action in too_early:
        assert "while the plan is in alignment" in await plan.refused(update, action)

    assert "comment" in await refused_raw(
        plan, "request_changes", {"actor": SKIP.email, "comment": ""}
    )
    assert "actor" in await refused_raw(plan, "approve", {"actor": "sara at example"})
    bad_content = plan_content(plan.start).model_dump(mode="json")
    bad_content["goal"]["achieve_by"] = (plan.start + timedelta(days=45)).isoformat()
    assert "inside the timeline" in await refused_raw(
        plan, "revise", {"actor": MANAGER.email, "content": bad_content, "summary": "Later goal"}
    )
    assert "reason" in await refused_raw(plan, "cancel", {"actor": HR.email, "reason": ""})
    await plan.act(Plan.request_changes, RequestChanges(actor=SKIP.email, comment=COMMENT))
    assert "revising the draft" in await plan.refused(
        Plan.approve, ApproveAlignment(actor=SKIP.email)
    )


async def test_co_authoring_refuses_wrong_person_phase_and_data(plan: RunningPlan) -> None:
    await plan.align()
    await plan.reaches(Phase.co_authoring)
    skip_proposes = ProposeActivities(
        actor=SKIP.email, activities=[ActivityDraft(description="Read a book")]
    )
    assert "only the manager or team member" in await plan.refused(
        Plan.propose_activities, skip_proposes
    )
    hr_ready = MarkReady(actor=HR.email, version=1)
    assert "only the manager or team member" in await plan.refused(Plan.mark_ready, hr_ready)

    for update, action in [
        (Plan.approve, ApproveAlignment(actor=SKIP.email)),
        (Plan.request_changes, RequestChanges(actor=SKIP.email, comment=COMMENT)),
        (
            Plan.revise,
            RevisePlan(actor=MANAGER.email, content=plan_content(plan.start), summary="Again"),
        ),
        (
            Plan.sign,
            SignPlan(actor=MEMBER.email, version=1, sha256="0" * 64, intent=SIGNING_INTENT),
        ),
    ]:
        assert "while the plan is in co_authoring" in await plan.refused(update, action)

    unknown = ProposeActivities(
        actor=MEMBER.email, activities=[ActivityDraft(id="a9", description="Edit a ghost")]
    )
    assert "no activity a9" in await plan.refused(Plan.propose_activities, unknown)
    late = ProposeActivities(
        actor=MEMBER.email,
        activities=[
            ActivityDraft(description="After the plan", due=plan.start + timedelta(days=60))
        ],
    )
    assert "outside the timeline" in await plan.refused(Plan.propose_activities, late)
    stale = MarkReady(actor=MEMBER.email, version=7)
    assert "version 7 is not the current version (1)" in await plan.refused(Plan.mark_ready, stale)
    assert "activities" in await refused_raw(
        plan, "propose_activities", {"actor": MEMBER.email, "activities": []}
    )
    await plan.act(Plan.mark_ready, MarkReady(actor=MEMBER.email, version=1))
    twice = MarkReady(actor=MEMBER.email, version=1)
    assert "already marked version 1 ready" in await plan.refused(Plan.mark_ready, twice)


async def test_signing_refuses_wrong_person_phase_and_data(plan: RunningPlan) -> None:
    await plan.align()
    await plan.agree()
    status = await plan.reaches(Phase.signing)

    def signature(actor: str, **changes: Any) -> SignPlan:
        return signed_with_evidence(
            status.plan_id, status.versions[-1], status.parties, actor, **changes
        )

    assert "only the manager or team member may sign" in await plan.refused(
        Plan.sign, signature(SKIP.email)
    )
    manager_declines = DeclineToSign(actor=MANAGER.email, comment="Not this one")
    assert "only the team member may decline" in await plan.refused(Plan.decline, manager_declines)
    ready = MarkReady(actor=MEMBER.email, version=status.version)
    assert "while the plan is in signing" in await plan.refused(Plan.mark_ready, ready)
    assert "not version 1's" in await plan.refused(
        Plan.sign, signature(MEMBER.email, sha256="ab" * 32)
    )
    assert "intent must be exactly" in await plan.refused(
        Plan.sign, signature(MEMBER.email, intent="ok")
    )
    assert "not the current version" in await plan.refused(
        Plan.sign, signature(MEMBER.email, version=2)
    )
    unproven = signature(MEMBER.email, document_sha256=None, identified_by=None, consent=None)
    assert await plan.refused(Plan.sign, unproven) == (
        "document_sha256: required (the SHA-256 of the signing copy you read); "
        "identified_by: required (how you were identified); "
        "consent: required (your consent to sign electronically)"
    )
    someone_elses = signature(MEMBER.email, consent=signature(MANAGER.email).consent)
    assert f"consent: it was given by {MANAGER.email}" in await plan.refused(
        Plan.sign, someone_elses
    )
    assert "comment" in await refused_raw(plan, "decline", {"actor": MEMBER.email, "comment": " "})
    await plan.sign_by(MANAGER)
    assert "already signed version 1" in await plan.refused(Plan.sign, signature(MANAGER.email))


async def test_active_refuses_wrong_person_phase_and_data(plan: RunningPlan) -> None:
    await plan.activate()
    status = await plan.reaches(Phase.active)
    first = status.check_ins[0]
    assert "can be recorded from" in await plan.refused(
        Plan.record_check_in, check_in(MANAGER.email, 1)
    )
    await plan.advance_to(first.due_at + timedelta(minutes=1))
    await plan.reaches(Phase.active)

    assert "only the manager may record" in await plan.refused(
        Plan.record_check_in, check_in(MEMBER.email, 1)
    )
    manager_note = AddCheckInNote(actor=MANAGER.email, number=1, note="Mine")
    assert "only the team member may add" in await plan.refused(
        Plan.add_check_in_note, manager_note
    )
    for update, action in [
        (Plan.submit_review, review(MANAGER.email)),
        (
            Plan.extend,
            ExtendPlan(
                actor=MANAGER.email, new_end=plan.start + timedelta(days=40), reason="More time"
            ),
        ),
        (Plan.comment_on_review, CommentOnReview(actor=MEMBER.email, comment="Thanks")),
    ]:
        assert "while the plan is in active" in await plan.refused(update, action)

    assert "there is no check-in 99" in await plan.refused(
        Plan.record_check_in, check_in(MANAGER.email, 99)
    )
    assert "no activity a7" in await plan.refused(
        Plan.record_check_in, check_in(MANAGER.email, 1, activity="a7")
    )
    assert "no support commitment s9" in await plan.refused(
        Plan.record_check_in, check_in(MANAGER.email, 1, support="s9")
    )
    assert "feedback" in await refused_raw(
        plan,
        "record_check_in",
        {**check_in(MANAGER.email, 1).model_dump(mode="json"), "feedback": ""},
    )
    later_note = AddCheckInNote(actor=MEMBER.email, number=2, note="Ahead of time")
    assert "check-in 2 is not due until" in await plan.refused(Plan.add_check_in_note, later_note)
    assert "note" in await refused_raw(
        plan, "add_check_in_note", {"actor": MEMBER.email, "number": 1, "note": ""}
    )
    await plan.act(Plan.record_check_in, check_in(MANAGER.email, 1))
    assert "already recorded" in await plan.refused(
        Plan.record_check_in, check_in(MANAGER.email, 1)
    )


async def test_review_refuses_wrong_person_phase_and_data(plan: RunningPlan) -> None:
    await plan.activate()
    status = await plan.reaches(Phase.active)
    assert status.review_due_at is not None
    await plan.advance_to(status.review_due_at + timedelta(minutes=1))
    status = await plan.reaches(Phase.review)
    end = status.content.timeline.end

    assert "only the manager may submit" in await plan.refused(
        Plan.submit_review, review(MEMBER.email)
    )
    hr_extends = ExtendPlan(actor=HR.email, new_end=end + timedelta(days=7), reason="More")
    assert "only the manager may extend" in await plan.refused(Plan.extend, hr_extends)
    manager_comments = CommentOnReview(actor=MANAGER.email, comment="Me too")
    assert "only the team member may comment" in await plan.refused(
        Plan.comment_on_review, manager_comments
    )
    early_comment = CommentOnReview(actor=MEMBER.email, comment="Thanks")
    assert "not submitted the review yet" in await plan.refused(
        Plan.comment_on_review, early_comment
    )
    too_far = ExtendPlan(actor=MANAGER.email, new_end=end + timedelta(days=31), reason="More")
    assert "at most 30 days later" in await plan.refused(Plan.extend, too_far)
    backwards = ExtendPlan(actor=MANAGER.email, new_end=end, reason="Same")
    assert "must be after the current end date" in await plan.refused(Plan.extend, backwards)
    assert "outcome" in await refused_raw(
        plan, "submit_review", {**review(MANAGER.email).model_dump(), "outcome": "great"}
    )

    await plan.act(Plan.submit_review, review(MANAGER.email))
    assert "comment" in await refused_raw(
        plan, "comment_on_review", {"actor": MEMBER.email, "comment": ""}
    )
    assert "already submitted" in await plan.refused(Plan.submit_review, review(MANAGER.email))
    assert "check-ins are closed" in await plan.refused(
        Plan.record_check_in, check_in(MANAGER.email, 1)
    )
    later = ExtendPlan(actor=MANAGER.email, new_end=end + timedelta(days=7), reason="More")
    assert "already submitted" in await plan.refused(Plan.extend, later)


@pytest.mark.parametrize("actor", [MEMBER.email, SKIP.email, STRANGER])
async def test_only_the_manager_or_hr_may_cancel(plan: RunningPlan, actor: str) -> None:
    await plan.refused(Plan.cancel, CancelPlan(actor=actor, reason="Not needed"))


async def test_each_refusal_says_its_kind_for_clients_to_answer_by(plan: RunningPlan) -> None:
    """404 for a stranger, 403 for the wrong party, 409 for the wrong time, 422 for bad data."""
    await plan.align()
    for update, action, kind in [
        (Plan.mark_ready, MarkReady(actor=STRANGER, version=1), RefusalKind.NotAParty),
        (Plan.mark_ready, MarkReady(actor=SKIP.email, version=1), RefusalKind.WrongPerson),
        (Plan.approve, ApproveAlignment(actor=SKIP.email), RefusalKind.WrongPhase),
        (Plan.mark_ready, MarkReady(actor=MEMBER.email, version=7), RefusalKind.WrongPhase),
        (
            Plan.propose_activities,
            ProposeActivities(
                actor=MEMBER.email, activities=[ActivityDraft(id="a9", description="A ghost")]
            ),
            RefusalKind.BadData,
        ),
    ]:
        refusal = await plan.refusal(update, action)
        assert (refusal.type, refusal.non_retryable) == (kind, True), refusal.message

    await plan.agree()
    status = await plan.status()
    bad_hash = signed_with_evidence(
        status.plan_id, status.versions[-1], status.parties, MEMBER.email, sha256="ab" * 32
    )
    assert (await plan.refusal(Plan.sign, bad_hash)).type == RefusalKind.BadData
    await plan.sign_by(MEMBER)
    twice = bad_hash.model_copy(update={"sha256": status.sha256})
    refusal = await plan.refusal(Plan.sign, twice)
    assert (refusal.type, refusal.message) == (
        RefusalKind.WrongPhase,
        f"you already signed version {status.version}",
    )
