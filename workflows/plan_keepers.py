"""The keepers beside a plan's story: HR's records and the operators' view follow every change.

They run as two tasks inside `CoachingPlanWorkflow`, each waiting for the state it keeps to
change, so no action has to remember to record itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Hashable

from temporalio import workflow
from temporalio.exceptions import FailureError

with workflow.unsafe.imports_passed_through():
    from activities.records import RecordActivities
    from coaching.plan_record import Recorded, plan_record
    from coaching.plan_state import PlanState
    from coaching.records import PlanRecord
    from coaching.visibility import NEXT_DEADLINE, PLAN_PHASE
    from workflows.activity_calls import HR_STORE, StepMarks, act, act_locally


class PlanKeepers:
    def __init__(self, plan: PlanState, *, locally: bool, marks: StepMarks) -> None:
        self._plan = plan
        self._locally = locally
        """Since the lean history a record is a local activity, so it never enters the history;
        plans from before replay with a recorded activity each time."""
        self._marks = marks
        self._revision = 0
        self._recorded_state: Hashable = None
        self._recorded = Recorded()
        """How many events, refusals and versions' contents a stored record already carries."""
        self._shown_to_operators: Hashable = None
        self._tasks = [
            asyncio.create_task(self._keep_records()),
            asyncio.create_task(self._keep_visible()),
        ]

    def holds_events(self, count: int) -> bool:
        """Whether HR's store holds the plan's first `count` events (and the state with them)."""
        return self._recorded.events >= count

    async def finish(self) -> None:
        """Once the last state is recorded and shown, the keepers stop."""
        await workflow.wait_condition(self._kept_up)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _keep_records(self) -> None:
        """Records each new state; while the database is down the activity retries, and the
        record sent once it is back carries everything that changed meanwhile."""
        plan = self._plan
        while True:
            await workflow.wait_condition(lambda: plan.record_state() != self._recorded_state)
            state, recorded = plan.record_state(), Recorded.all_of(plan)
            self._revision += 1
            record = plan_record(plan, self._revision, self._recorded)
            await self._record(record)
            self._recorded_state, self._recorded = state, recorded

    async def _record(self, record: PlanRecord) -> None:
        """Within the workflow task, as a local activity whose input stays out of the history;
        a database that does not answer at once gets the record through an activity that
        waits for it without adding to the history meanwhile. (A local activity's failure is
        raised as its cause, an `ApplicationError` or a `TimeoutError`, not an ActivityError.)"""
        if self._locally:
            try:
                await act_locally(RecordActivities.record_plan, record)
                return
            except FailureError as error:
                workflow.logger.warning("HR's store did not answer at once: %s", error)
        await act(RecordActivities.record_plan, record, HR_STORE)
        self._marks.went_through(RecordActivities.record_plan)

    async def _keep_visible(self) -> None:
        """Operators filter on these in the Temporal UI; an owed-nothing plan has no deadline."""
        plan = self._plan
        while True:
            shown = plan.operator_view()
            phase, deadline = shown
            workflow.upsert_search_attributes(
                [
                    PLAN_PHASE.value_set(phase.value),
                    NEXT_DEADLINE.value_set(deadline)
                    if deadline is not None
                    else NEXT_DEADLINE.value_unset(),
                ]
            )
            self._shown_to_operators = shown
            await workflow.wait_condition(lambda: plan.operator_view() != self._shown_to_operators)

    def _kept_up(self) -> bool:
        return (
            self._recorded_state == self._plan.record_state()
            and self._shown_to_operators == self._plan.operator_view()
        )
