"""Check-ins that fit real calendars: moved, recorded early or skipped, the timers and the
invite follow; the next check-in is always the deadline; an early end keeps the past."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from functools import partial

import recurring_ical_events
from icalendar import Calendar

from coaching.actions import (
    ActivityProgress,
    CancelPlan,
    MoveCheckIn,
    RecordCheckIn,
    SkipCheckIn,
    SupportDelivery,
)
from coaching.notices import NoticeKind
from coaching.plan import ActivityStatus
from coaching.schedule import plan_starts_at
from coaching.status import CheckInStatus, Phase
from tests.workflows.running_plan import MANAGER, MEMBER, RunningPlan, eventually
from workflows.coaching_plan import CoachingPlanWorkflow as Plan


def record(number: int) -> RecordCheckIn:
    return RecordCheckIn(
        actor=MANAGER.email,
        number=number,
        progress=[ActivityProgress(activity_id="a1", status=ActivityStatus.in_progress)],
        support=[SupportDelivery(support_id="s1", delivered=True)],
        feedback="The template is drafted; the first update went out on time.",
    )


def invite(plan: RunningPlan) -> Calendar:
    return Calendar.from_ical((plan.data_dir / "invites" / f"{plan.plan_id}.ics").read_bytes())


def held(plan: RunningPlan) -> list[datetime]:
    """Every check-in the invite holds, as a calendar client expands it."""
    window = (plan.start - timedelta(days=1), plan.start + timedelta(days=60))
    events = recurring_ical_events.of(invite(plan)).between(*window)
    return sorted(event.decoded("dtstart") for event in events)


def sequence(plan: RunningPlan) -> int:
    return max(int(event["SEQUENCE"]) for event in invite(plan).events)


async def status_of(plan: RunningPlan, number: int) -> CheckInStatus:
    return (await plan.status()).check_ins[number - 1].status


async def test_a_moved_check_in_comes_due_at_its_new_time_and_the_invite_follows(
    plan: RunningPlan,
) -> None:
    await plan.activate()
    status = await plan.reaches(Phase.active)
    await eventually(lambda: bool(held(plan)))
    planned = [c.due_at for c in status.check_ins]
    first_sequence = sequence(plan)
    friday = planned[1] + timedelta(days=1)

    answer = await plan.act(
        Plan.move_check_in,
        MoveCheckIn(actor=MANAGER.email, number=2, to=friday, reason="Thursday is a holiday"),
    )
    local = friday.astimezone(status.content.cadence.zone)
    assert answer.message == f"Check-in 2 moved to {local:%a %Y-%m-%d} 10:00 Europe/Berlin."
    moved = (await plan.status()).check_ins[1]
    assert (moved.due_at, moved.occurrence_at) == (friday, planned[1])
    await plan.settled()
    assert held(plan) == sorted([planned[0], friday, *planned[2:]])
    assert sequence(plan) == first_sequence + 1
    [override] = [e for e in invite(plan).events if "RECURRENCE-ID" in e]
    assert override.decoded("recurrence-id") == planned[1]
    assert plan.notices_to(MEMBER, NoticeKind.check_in_moved)

    await plan.advance_to(planned[1] + timedelta(hours=2))
    await plan.settled()
    assert await status_of(plan, 2) is CheckInStatus.scheduled
    await plan.advance_to(friday + timedelta(minutes=1))
    await eventually(lambda: _is(plan, 2, CheckInStatus.due))


async def test_a_check_in_is_recorded_from_the_start_of_its_day_and_its_timer_lets_go(
    plan: RunningPlan,
) -> None:
    await plan.activate()
    status = await plan.reaches(Phase.active)
    first = status.check_ins[0]
    zone = status.content.cadence.zone
    morning = datetime.combine(first.due_at.astimezone(zone).date(), time(), zone)

    await plan.advance_to(morning - timedelta(minutes=5))
    assert "can be recorded from" in await plan.refused(Plan.record_check_in, record(1))
    await plan.advance_to(morning + timedelta(minutes=5))
    await plan.act(Plan.record_check_in, record(1))
    assert await status_of(plan, 1) is CheckInStatus.recorded
    await eventually(lambda: bool(plan.notices_to(MEMBER, NoticeKind.check_in_recorded)))

    await plan.advance_to(first.due_at + timedelta(days=2))
    await plan.settled()
    assert await status_of(plan, 1) is CheckInStatus.recorded
    assert plan.notices_to(MANAGER, NoticeKind.check_in_overdue) == []
    assert [o.action for o in (await plan.status()).owed] == ["hold check-in 2"]


async def test_a_skipped_check_in_is_excluded_from_the_invite_and_counted_as_skipped(
    plan: RunningPlan,
) -> None:
    await plan.activate()
    status = await plan.reaches(Phase.active)
    await eventually(lambda: bool(held(plan)))
    planned = [c.due_at for c in status.check_ins]

    await plan.act(
        Plan.skip_check_in,
        SkipCheckIn(actor=MANAGER.email, number=1, reason="Company offsite that week"),
    )
    await plan.settled()
    assert held(plan) == planned[1:]
    assert plan.notices_to(MEMBER, NoticeKind.check_in_skipped)
    assert "was skipped" in await plan.refused(
        Plan.skip_check_in, SkipCheckIn(actor=MANAGER.email, number=1, reason="Again")
    )

    await plan.advance_to(planned[1] + timedelta(minutes=1))
    await eventually(lambda: _is(plan, 2, CheckInStatus.due))
    assert await status_of(plan, 1) is CheckInStatus.skipped
    await plan.advance_to(planned[2] + timedelta(minutes=1))
    await eventually(lambda: _is(plan, 2, CheckInStatus.missed))
    form = await plan.handle.query(Plan.review_form)
    assert (form.check_ins_skipped, form.check_ins_missed) == (1, 1)


async def test_the_start_and_then_the_next_check_in_are_the_deadline(plan: RunningPlan) -> None:
    await plan.activate()
    status = await plan.reaches(Phase.active)
    starts_at = plan_starts_at(status.content)
    await plan.settled()
    assert [(o.action, o.due) for o in status.owed] == [
        (f"start the plan on {plan.start}", starts_at)
    ]
    assert (await plan.stored()).plan.next_deadline == starts_at

    await plan.advance_to(starts_at + timedelta(minutes=1))
    first = status.check_ins[0]
    await eventually(lambda: _owes(plan, [("hold check-in 1", first.due_at)]))
    await eventually(lambda: _stored_deadline_is(plan, first.due_at))


async def test_a_plan_cancelled_midway_ends_its_series_and_keeps_the_check_ins_held(
    plan: RunningPlan,
) -> None:
    await plan.activate()
    status = await plan.reaches(Phase.active)
    planned = [c.due_at for c in status.check_ins]
    await plan.advance_to(planned[1] + timedelta(hours=1))
    await eventually(lambda: _is(plan, 2, CheckInStatus.due))
    before = sequence(plan)

    await plan.act(Plan.cancel, CancelPlan(actor=MANAGER.email, reason="Moving to another team"))
    await plan.reaches(Phase.cancelled)
    await plan.settled()
    assert held(plan) == planned[:2]
    assert str(invite(plan)["METHOD"]) == "REQUEST"
    assert sequence(plan) == before + 1


async def test_a_plan_cancelled_before_its_first_check_in_cancels_the_series(
    plan: RunningPlan,
) -> None:
    await plan.activate()
    await plan.reaches(Phase.active)
    await eventually(lambda: bool(held(plan)))
    await plan.act(Plan.cancel, CancelPlan(actor=MANAGER.email, reason="Moving to another team"))
    await plan.reaches(Phase.cancelled)
    await plan.settled()
    assert str(invite(plan)["METHOD"]) == "CANCEL"


async def test_a_plan_that_closes_after_its_last_check_in_leaves_the_invite_alone(
    plan: RunningPlan,
) -> None:
    await plan.activate()
    status = await plan.reaches(Phase.active)
    await eventually(lambda: bool(held(plan)))
    assert status.review_due_at is not None
    await plan.advance_to(status.review_due_at + timedelta(hours=1))
    await plan.reaches(Phase.review)
    await plan.settled()
    before = invite(plan).to_ical()
    await plan.act(Plan.cancel, CancelPlan(actor=MANAGER.email, reason="Closing it myself"))
    await plan.reaches(Phase.cancelled)
    await plan.settled()
    assert invite(plan).to_ical() == before


async def _is(plan: RunningPlan, number: int, expected: CheckInStatus) -> bool:
    return await status_of(plan, number) is expected


async def _owes(plan: RunningPlan, expected: list[tuple[str, datetime]]) -> bool:
    return [(o.action, o.due) for o in (await plan.status()).owed] == expected


async def _stored_deadline_is(plan: RunningPlan, expected: datetime) -> bool:
    return (await plan.stored()).plan.next_deadline == expected


async def test_a_plan_with_a_moved_and_a_skipped_check_in_lives_to_its_end(
    plan: RunningPlan,
) -> None:
    await plan.activate()
    status = await plan.reaches(Phase.active)
    planned = [c.due_at for c in status.check_ins]
    await plan.act(
        Plan.move_check_in,
        MoveCheckIn(
            actor=MANAGER.email,
            number=2,
            to=planned[1] + timedelta(days=1),
            reason="Travelling on Thursday",
        ),
    )
    await plan.act(
        Plan.skip_check_in, SkipCheckIn(actor=MANAGER.email, number=3, reason="Sick day")
    )
    for number in (1, 2):
        due = (await plan.status()).check_ins[number - 1].due_at
        await plan.advance_to(due + timedelta(minutes=5))
        await eventually(partial(_is, plan, number, CheckInStatus.due))
        await plan.act(Plan.record_check_in, record(number))
    assert status.review_due_at is not None
    await plan.advance_to(status.review_due_at + timedelta(minutes=5))
    await plan.reaches(Phase.review)
    await plan.act(Plan.cancel, CancelPlan(actor=MANAGER.email, reason="Closing for the test"))
    await plan.reaches(Phase.cancelled)
    await plan.settled()
    statuses = [c.status for c in (await plan.status()).check_ins]
    assert statuses[:3] == [CheckInStatus.recorded, CheckInStatus.recorded, CheckInStatus.skipped]
    await plan.keep_history("moved_and_skipped_check_ins")
