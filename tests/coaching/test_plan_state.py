"""The plan's rules without Temporal: who may act when, who owes what, which check-ins count."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from coaching.actions import (
    AddCheckInNote,
    ApproveAlignment,
    CancelPlan,
    MarkReady,
    MoveCheckIn,
    ProposeActivities,
    RecordCheckIn,
    SkipCheckIn,
    StartPlan,
)
from coaching.notices import NoticeKind
from coaching.plan import Role
from coaching.plan_record import Recorded, plan_record
from coaching.plan_rules import PlanRules
from coaching.plan_state import PlanState
from coaching.records import Refusal
from coaching.schedule import plan_starts_at
from coaching.status import CheckInStatus, Outcome, Phase, RefusalKind, Refused
from tests.plan_examples import HR, MANAGER, MEMBER, PARTIES, SKIP, STRANGER, plan_content
from tests.signatures import signature

START = date(2026, 12, 7)
"""A Monday; the example cadence is Thursdays at 10:00 in Europe/Berlin (09:00 UTC)."""


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def plan(clock: Clock) -> PlanState:
    return PlanState(
        StartPlan(plan_id="abc123def456", parties=PARTIES, content=plan_content(START)), clock
    )


def refusal(check: object, action: object) -> Refused:
    with pytest.raises(Refused) as refused:
        check(action)  # type: ignore[operator]
    return refused.value


def signed(plan: PlanState) -> None:
    """Alignment, co-authoring and both signatures, as the workflow would move them."""
    plan.approve(ApproveAlignment(actor=SKIP.email))
    plan.enter(Phase.co_authoring)
    for person in (MANAGER, MEMBER):
        plan.mark_ready(MarkReady(actor=person.email, version=1))
    plan.enter(Phase.signing)
    for person in (MANAGER, MEMBER):
        plan.sign(signature(plan.plan_id, plan.version, plan.parties, person.email))
    plan.enter(Phase.active)


def record(number: int) -> RecordCheckIn:
    return RecordCheckIn.model_validate(
        {
            "actor": MANAGER.email,
            "number": number,
            "progress": [{"activity_id": "a1", "status": "in_progress"}],
            "support": [{"support_id": "s1", "delivered": True}],
            "feedback": "Good progress on the template.",
        }
    )


def test_a_stranger_learns_nothing_and_the_wrong_person_is_named(plan: PlanState) -> None:
    stranger = refusal(PlanRules(plan).approve, ApproveAlignment(actor=STRANGER))
    assert stranger.kind is RefusalKind.NotAParty
    wrong = refusal(PlanRules(plan).approve, ApproveAlignment(actor=MANAGER.email))
    assert wrong.kind is RefusalKind.WrongPerson
    assert wrong.message == "only the skip level may approve the plan"


def test_alignment_is_owed_by_the_skip_level_and_then_by_both_authors(plan: PlanState) -> None:
    assert [(o.role.value, o.action) for o in plan.owed()] == [
        ("skip_level", "approve version 1 or request changes")
    ]
    assert plan.readers() == ["manager", "skip_level", "hr"]
    plan.approve(ApproveAlignment(actor=SKIP.email))
    plan.enter(Phase.co_authoring)
    assert {o.role.value for o in plan.owed()} == {"manager", "team_member"}
    assert "team_member" in plan.readers()


def test_a_proposal_during_signing_voids_the_signatures_given(plan: PlanState) -> None:
    plan.approve(ApproveAlignment(actor=SKIP.email))
    plan.enter(Phase.co_authoring)
    for person in (MANAGER, MEMBER):
        plan.mark_ready(MarkReady(actor=person.email, version=1))
    plan.enter(Phase.signing)
    plan.sign(signature(plan.plan_id, plan.version, plan.parties, MANAGER.email))
    assert plan.unsigned() == ["team_member"]
    voided = plan.propose(
        ProposeActivities.model_validate(
            {"actor": MEMBER.email, "activities": [{"description": "Present the update live"}]}
        )
    )
    assert voided
    assert plan.version.number == 2
    assert plan.unsigned() == ["manager", "team_member"]
    assert not any(s.valid for s in plan.signatures)


def test_a_signature_of_another_hash_is_bad_data(plan: PlanState) -> None:
    plan.approve(ApproveAlignment(actor=SKIP.email))
    plan.enter(Phase.co_authoring)
    plan.enter(Phase.signing)
    wrong = refusal(
        PlanRules(plan).sign,
        signature(plan.plan_id, plan.version, plan.parties, MEMBER.email, sha256="0" * 64),
    )
    assert wrong.kind is RefusalKind.BadData
    assert "is not version 1's" in wrong.message


def test_before_the_start_the_start_is_the_deadline_then_each_check_in(
    plan: PlanState, clock: Clock
) -> None:
    signed(plan)
    starts_at = plan_starts_at(plan.version.content)
    assert [(o.action, o.due) for o in plan.owed()] == [(f"start the plan on {START}", starts_at)]
    assert plan.operator_view() == (Phase.active, starts_at)
    clock.now = starts_at
    first = plan.check_ins[0]
    assert [(o.action, o.due) for o in plan.owed()] == [("hold check-in 1", first.due_at)]
    clock.now = first.due_at
    plan.check_in_due(1)
    assert [o.action for o in plan.owed()] == ["record check-in 1", "hold check-in 2"]


def test_plans_from_before_deadlines_owe_only_overdue_notes(clock: Clock) -> None:
    old = PlanState(
        StartPlan(plan_id="abc123def456", parties=PARTIES, content=plan_content(START)),
        clock,
        check_ins_are_deadlines=False,
    )
    signed(old)
    assert old.owed() == []


def test_a_check_in_can_be_recorded_from_the_start_of_its_day(
    plan: PlanState, clock: Clock
) -> None:
    signed(plan)
    first = plan.check_ins[0]
    assert first.due_at == datetime(2026, 12, 10, 9, 0, tzinfo=UTC)
    clock.now = datetime(2026, 12, 9, 22, 59, tzinfo=UTC)
    early = refusal(PlanRules(plan).record_check_in, record(1))
    assert early.kind is RefusalKind.WrongPhase
    assert early.message == (
        "number: check-in 1 can be recorded from Thu 2026-12-10 00:00 Europe/Berlin, "
        "the start of its day"
    )
    clock.now = datetime(2026, 12, 9, 23, 0, tzinfo=UTC)
    PlanRules(plan).record_check_in(record(1))
    plan.record_check_in(record(1))
    assert plan.check_in(1).status is CheckInStatus.recorded
    assert plan.next_check_in() == plan.check_in(2)


def test_a_moved_check_in_keeps_its_place_in_the_series(plan: PlanState, clock: Clock) -> None:
    signed(plan)
    second = plan.check_in(2)
    friday = second.due_at + timedelta(days=1)
    move = MoveCheckIn(actor=MANAGER.email, number=2, to=friday, reason="Public holiday")
    PlanRules(plan).move_check_in(move)
    before = plan.move_check_in(move)
    assert before == second
    moved = plan.check_in(2)
    assert (moved.due_at, moved.occurrence_at, moved.moved_because) == (
        friday,
        second.due_at,
        "Public holiday",
    )
    again = MoveCheckIn(
        actor=MANAGER.email, number=2, to=friday + timedelta(hours=2), reason="x" * 3
    )
    plan.move_check_in(again)
    assert plan.check_in(2).occurrence_at == second.due_at
    assert plan.events[-1].kind == "check_in_moved"


def test_a_check_in_cannot_move_past_its_neighbours_or_into_the_past(
    plan: PlanState, clock: Clock
) -> None:
    signed(plan)
    third = plan.check_in(3)
    past_next = MoveCheckIn(actor=MANAGER.email, number=2, to=third.due_at, reason="Travel week")
    wrong = refusal(PlanRules(plan).move_check_in, past_next)
    assert wrong.kind is RefusalKind.BadData
    assert wrong.message.startswith("to: check-in 2 must be after ")
    assert "and before Thu 2026-12-24 10:00 Europe/Berlin" in wrong.message
    past = MoveCheckIn(
        actor=MANAGER.email, number=1, to=clock.now - timedelta(hours=1), reason="Travel week"
    )
    assert refusal(PlanRules(plan).move_check_in, past).kind is RefusalKind.BadData
    by_member = MoveCheckIn(
        actor=MEMBER.email, number=2, to=third.due_at - timedelta(days=1), reason="Travel"
    )
    assert refusal(PlanRules(plan).move_check_in, by_member).kind is RefusalKind.WrongPerson


def test_a_due_check_in_cannot_move_but_can_be_skipped(plan: PlanState, clock: Clock) -> None:
    signed(plan)
    clock.now = plan.check_in(1).due_at
    plan.check_in_due(1)
    move = MoveCheckIn(
        actor=MANAGER.email, number=1, to=clock.now + timedelta(hours=4), reason="Sick day"
    )
    assert refusal(PlanRules(plan).move_check_in, move).message == (
        "number: check-in 1 is already due; record it or skip it"
    )
    skip = SkipCheckIn(actor=MANAGER.email, number=1, reason="Sick day")
    PlanRules(plan).skip_check_in(skip)
    plan.skip_check_in(skip)
    assert not plan.awaits_notes(1)
    assert refusal(PlanRules(plan).record_check_in, record(1)).message == (
        "number: check-in 1 was skipped (Sick day)"
    )
    note = AddCheckInNote(actor=MEMBER.email, number=1, note="I was ill that day.")
    PlanRules(plan).add_check_in_note(note)


def test_skipped_check_ins_count_as_skipped_not_missed(plan: PlanState, clock: Clock) -> None:
    signed(plan)
    plan.skip_check_in(SkipCheckIn(actor=MANAGER.email, number=1, reason="Company offsite"))
    clock.now = plan.check_in(2).due_at
    plan.check_in_due(2)
    clock.now = plan.check_in(3).due_at
    plan.check_in_due(3)
    form = plan.review_form()
    assert (form.check_ins_skipped, form.check_ins_missed) == (1, 1)
    missed = refusal(
        PlanRules(plan).skip_check_in, SkipCheckIn(actor=MANAGER.email, number=2, reason="Forgot")
    )
    assert missed.message == "number: check-in 2 was missed; record it late instead"


def test_a_record_carries_only_the_audit_lines_not_yet_stored(plan: PlanState) -> None:
    plan.event(MANAGER.email, "started", "Draft version 1")
    first = plan_record(plan, 1, Recorded())
    assert [a.key for a in first.audit] == ["event-1"]
    recorded = Recorded.all_of(plan)
    plan.approve(ApproveAlignment(actor=SKIP.email))
    plan.note_refusal(Refusal(actor=STRANGER, action="approve", reason="not a party"))
    second = plan_record(plan, 2, recorded)
    assert [a.key for a in second.audit] == ["event-2", "refusal-1"]
    assert second.team_member_included


def test_cancelling_twice_is_refused_and_hr_may_cancel(plan: PlanState, clock: Clock) -> None:
    cancel = CancelPlan(actor=HR.email, reason="Team member moved teams")
    PlanRules(plan).cancel(cancel)
    plan.cancel(cancel)
    again = refusal(PlanRules(plan).cancel, CancelPlan(actor=MANAGER.email, reason="Again please"))
    assert again.message == "the plan is already being cancelled"
    plan.enter(Phase.cancelled)
    assert (plan.outcome, plan.closed_at) == (Outcome.cancelled, clock.now)


def test_a_notice_that_asks_for_a_step_gives_it_the_deadline_of_the_wait_it_opens(
    plan: PlanState, clock: Clock
) -> None:
    asked = plan.notice(NoticeKind.alignment_requested, [Role.skip_level], actor=MANAGER.email)
    assert [(o.role, o.due) for o in asked.owed] == [
        (Role.skip_level, clock.now + plan.policy.alignment_reminder_after)
    ]
    assert asked.event_id == "001-alignment_requested"
    plan.respond_by = clock.now + timedelta(days=2)
    clock.now += timedelta(days=3)
    reminded = plan.notice(NoticeKind.reminder, [Role.skip_level])
    assert [o.due for o in reminded.owed] == [plan.respond_by]
    assert reminded.event_id == "002-reminder"


def test_the_document_is_shared_as_the_phase_allows(plan: PlanState) -> None:
    """The daily sweep's allowed set: manager and skip-level in alignment, all four after;
    HR is added to a plan that ends in alignment, as the final document is shared."""
    assert plan.shared_with() == [MANAGER, SKIP]
    signed(plan)
    assert plan.shared_with() == [MANAGER, MEMBER, SKIP, HR]


def test_a_plan_cancelled_in_alignment_shares_with_hr_but_not_the_team_member(
    plan: PlanState,
) -> None:
    plan.cancel(CancelPlan(actor=MANAGER.email, reason="Not the right time"))
    plan.enter(Phase.cancelled)
    assert plan.shared_with() == [MANAGER, SKIP, HR]


def test_a_declined_check_in_is_told_once_and_again_once_moved(
    plan: PlanState, clock: Clock
) -> None:
    signed(plan)
    second = plan.check_in(2)

    first = plan.check_in_declined(second.due_at, MEMBER.email)
    again = plan.check_in_declined(second.due_at, MEMBER.email)
    friday = second.due_at + timedelta(days=1)
    plan.move_check_in(MoveCheckIn(actor=MANAGER.email, number=2, to=friday, reason="Holiday"))
    after_the_move = plan.check_in_declined(second.due_at, MEMBER.email)

    assert first == second
    assert again is None
    assert after_the_move is not None
    assert after_the_move.due_at == friday, "found by the occurrence the calendar still names"
    assert [e.detail for e in plan.events if e.kind == "check_in_declined"] == [
        "Check-in 2: declined by Tom Member"
    ] * 2


def test_a_check_in_no_longer_ahead_is_not_asked_to_move(plan: PlanState, clock: Clock) -> None:
    signed(plan)
    first = plan.check_in(1)
    clock.now = first.due_at
    plan.record_check_in(record(1))

    assert plan.check_in_declined(first.due_at, MEMBER.email) is None
    assert plan.check_in_declined(first.due_at - timedelta(days=1), MEMBER.email) is None


def test_a_held_step_is_in_the_record_and_the_audit(plan: PlanState) -> None:
    plan.hold("grant the Drive scope")
    plan.hold("grant the Drive scope")
    held = plan_record(plan, 1, Recorded())
    plan.hold(None)

    assert held.held_because == "grant the Drive scope"
    assert plan_record(plan, 2, Recorded()).held_because is None
    assert [(e.kind, e.detail) for e in plan.events][-2:] == [
        ("held", "grant the Drive scope"),
        ("resumed", "Fixed: grant the Drive scope"),
    ]
