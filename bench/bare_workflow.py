"""The floor for the lifecycle benchmark: a workflow of the plan's shape that does nothing.

`BareCoachingPlanWorkflow` takes the same start input (`StartPlan`) and the same Updates with
the same action models in the same order as `CoachingPlanWorkflow`, goes through the same
phases, and at each step calls as many activities and starts as many timers as the product
did when this file was written (counted from the product's history of a whole life as
`bench/lifecycle.py` drives it, on 2026-11-26: 49 activities, 13 timers, 15 Updates, about
460 events; a short path's varies with how fast people act, in both). The activities'
bodies are empty, except that the document activity touches an empty
`documents/<plan>/v<N>.html`, so that "start to first document" is timed the same way for
both. It travels through the same data converter as the product (pydantic JSON, encrypted
with the same key ring): the difference measured is the product's own work, not the codec.

The shape is fixed here on purpose: the product's history is what is being slimmed, and the
floor must not move with it. The benchmark's table prints both workflows' activity and timer
counts, so a reader sees whether the shapes still match.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from bench.bare_activities import BareCheckIn, BareStatus, BareStep
    from coaching.actions import (
        AddCheckInNote,
        ApproveAlignment,
        CancelPlan,
        CommentOnReview,
        MarkReady,
        ProposeActivities,
        RecordCheckIn,
        SignPlan,
        StartPlan,
        SubmitReview,
    )
    from coaching.schedule import check_in_times, plan_starts_at, review_due_at
    from coaching.status import ActionResult, Phase
    from coaching.visibility import PLAN_PHASE

ACTIVITY_TIMEOUT = timedelta(minutes=1)
REMIND_AFTER = timedelta(days=2)
"""Every wait for a person has a reminder timer, as the product's `_await_response` has."""
CHECK_IN_GRACE = timedelta(days=1)


@workflow.defn
class BareCoachingPlanWorkflow:
    @workflow.init
    def __init__(self, start: StartPlan) -> None:
        content = start.content
        self._plan_id = start.plan_id
        self._phase = Phase.alignment
        self._version = 1
        self._ready: set[str] = set()
        self._signed: set[str] = set()
        self._activity_ids = [a.id for a in content.activities]
        self._support_ids = [s.id for s in content.support]
        times = check_in_times(content.cadence, content.timeline.start, content.timeline.end)
        self._check_ins = [BareCheckIn(number=n, due_at=t) for n, t in enumerate(times, 1)]
        self._starts_at = plan_starts_at(content)
        self._review_due_at = review_due_at(content)
        self._reviewed = False
        self._commented = False
        self._cancelled = False
        self._changes = 0

    @workflow.run
    async def run(self, start: StartPlan) -> str:
        if await self._story():
            await self._steps(self._render, self._record, self._notify, self._seal)
            return "achieved"
        self._phase = Phase.cancelled
        self._show(Phase.cancelled)
        await self._steps(self._calendar, self._render, self._notify, self._seal, self._record)
        return "cancelled"

    async def _story(self) -> bool:
        """False once cancelled; the product's phases, activities and timers, in its order."""
        self._show(Phase.alignment)
        await self._steps(self._render, self._record)
        await self._notify_if(Phase.alignment)
        if not await self._until(lambda: self._phase is not Phase.alignment):
            return False
        await self._steps(self._record, self._render)
        await self._notify_if(Phase.co_authoring)
        if not await self._until(lambda: self._phase is not Phase.co_authoring):
            return False
        await self._record()
        self._show(Phase.signing)
        await self._steps(self._render, self._record)
        await self._notify_if(Phase.signing)
        if not await self._until(lambda: self._phase is not Phase.signing):
            return False
        self._show(Phase.active)
        await self._steps(self._record, self._calendar, self._record, self._render)
        await self._steps(self._seal, self._notify)
        if not await self._sleep_until(self._starts_at):
            return False
        await self._record()
        for check_in in self._check_ins:
            if not await self._sleep_until(check_in.due_at):
                return False
            check_in.due = True
            await self._record()
            if not await self._wait(lambda c=check_in: c.recorded, CHECK_IN_GRACE):
                await self._notify()
        if not await self._sleep_until(self._review_due_at):
            return False
        self._phase = Phase.review
        self._show(Phase.review)
        await self._steps(self._notify, self._record)
        if not await self._until(lambda: self._reviewed):
            return False
        await self._steps(self._record, self._record, self._notify)
        return await self._wait(lambda: self._commented, timedelta(days=3))

    # Updates: the product's names and action models, with no rules behind them.

    @workflow.update
    async def approve(self, action: ApproveAlignment) -> ActionResult:
        self._phase = Phase.co_authoring
        self._show(Phase.co_authoring)
        return self._result()

    @workflow.update
    async def propose_activities(self, action: ProposeActivities) -> ActionResult:
        self._version += 1
        self._ready = {action.actor}
        await self._steps(self._render, self._notify, self._record, self._record)
        return self._result()

    @workflow.update
    async def mark_ready(self, action: MarkReady) -> ActionResult:
        self._ready.add(action.actor)
        if len(self._ready) == 2:
            self._phase = Phase.signing
        return self._result()

    @workflow.update
    async def sign(self, action: SignPlan) -> ActionResult:
        self._signed.add(action.actor)
        if len(self._signed) == 2:
            self._phase = Phase.active
        return self._result()

    @workflow.update
    async def record_check_in(self, action: RecordCheckIn) -> ActionResult:
        self._check_ins[action.number - 1].recorded = True
        await self._steps(self._render, self._record, self._notify)
        return self._result()

    @workflow.update
    async def add_check_in_note(self, action: AddCheckInNote) -> ActionResult:
        await self._record()
        return self._result()

    @workflow.update
    async def submit_review(self, action: SubmitReview) -> ActionResult:
        self._reviewed = True
        return self._result()

    @workflow.update
    async def comment_on_review(self, action: CommentOnReview) -> ActionResult:
        self._commented = True
        self._phase = Phase.closed
        self._show(Phase.closed)
        return self._result()

    @workflow.update
    async def cancel(self, action: CancelPlan) -> ActionResult:
        self._cancelled = True
        self._phase = Phase.cancelled
        return self._result()

    @workflow.query
    def status(self) -> BareStatus:
        return BareStatus(
            plan_id=self._plan_id,
            phase=self._phase,
            version=self._version,
            activity_ids=self._activity_ids,
            support_ids=self._support_ids,
            check_ins=self._check_ins,
            review_due_at=self._review_due_at,
        )

    # Waiting, as the product waits: a condition, or a timer.

    async def _until(self, done: Any) -> bool:
        """A wait for a person, with a reminder timer (cancelled when they act)."""
        while not done() and not self._cancelled:
            await self._wait(self._acted(done), REMIND_AFTER)
        return not self._cancelled

    def _acted(self, done: Any) -> Any:
        """True once `done`, or once someone acted (the product's reminder starts afresh)."""
        changes = self._changes
        return lambda: done() or self._changes != changes

    async def _wait(self, done: Any, timeout: timedelta) -> bool:
        try:
            await workflow.wait_condition(lambda: done() or self._cancelled, timeout=timeout)
        except TimeoutError:
            return False
        return not self._cancelled

    async def _sleep_until(self, moment: datetime) -> bool:
        remaining = moment - workflow.now()
        if remaining <= timedelta(0):
            return not self._cancelled
        await self._wait(lambda: False, remaining)
        return not self._cancelled

    def _show(self, phase: Phase) -> None:
        """Operators see the phase (the Update that moved it set it already)."""
        workflow.upsert_search_attributes([PLAN_PHASE.value_set(phase.value)])

    def _result(self) -> ActionResult:
        """Every accepted action shows operators the phase again, as the product's keeper
        of the operators' view does when the phase or the next deadline changes."""
        self._changes += 1
        self._show(self._phase)
        return ActionResult(message="done", phase=self._phase, version=self._version)

    # The five activities.

    async def _steps(self, *steps: Any) -> None:
        for step in steps:
            await step()

    async def _call(self, name: str) -> None:
        step = BareStep(plan_id=self._plan_id, version=self._version)
        await workflow.execute_activity(name, step, start_to_close_timeout=ACTIVITY_TIMEOUT)

    async def _notify_if(self, phase: Phase) -> None:
        """As the product: nobody is asked for a step the plan has moved past already."""
        if self._phase is phase:
            await self._notify()

    async def _render(self) -> None:
        await self._call("bare_render_plan_document")

    async def _notify(self) -> None:
        await self._call("bare_send_notification")

    async def _record(self) -> None:
        await self._call("bare_record_plan")

    async def _calendar(self) -> None:
        await self._call("bare_schedule_check_ins")

    async def _seal(self) -> None:
        await self._call("bare_seal_certificate")
