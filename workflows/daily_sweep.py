"""The daily sweep over every open plan: guard the document's share list and the check-ins.

`DailySweepWorkflow` (started each day by a Temporal Schedule) pages through the open plans
in HR's store and hands each page to a `SweepBatchWorkflow` child, so no single history
grows with the number of plans: the parent holds one child per page, a child one activity
per plan of its page.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from pydantic import Field
from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.sweep import OpenPlansPage, SweepActivities, SweepFindings, SweepPlan
    from coaching.plan import StrictModel
    from workflows.activity_calls import SWEEP, act

PLANS_AT_ONCE = 10
"""How many plans of a page are swept side by side: Google's rate limits are per person."""


class SweepRequest(StrictModel):
    page_size: int = Field(default=100, ge=1, le=1000)


class SweepSummary(StrictModel):
    plans: int = 0
    readers_removed: int = 0
    check_ins_declined: int = 0
    not_swept: list[str] = Field(default_factory=list)
    """Plans whose sweep failed for good (a Workspace setup to fix): the others go on."""

    def add(self, other: SweepSummary) -> SweepSummary:
        return SweepSummary(
            plans=self.plans + other.plans,
            readers_removed=self.readers_removed + other.readers_removed,
            check_ins_declined=self.check_ins_declined + other.check_ins_declined,
            not_swept=self.not_swept + other.not_swept,
        )


class SweepBatch(StrictModel):
    plan_ids: list[str]


@workflow.defn
class DailySweepWorkflow:
    @workflow.run
    async def run(self, request: SweepRequest) -> SweepSummary:
        summary, after, page_number = SweepSummary(), None, 0
        while True:
            page = await act(
                SweepActivities.open_plans,
                OpenPlansPage(after=after, limit=request.page_size),
                SWEEP,
            )
            if not page.plan_ids:
                return summary
            page_number += 1
            swept = await workflow.execute_child_workflow(
                SweepBatchWorkflow.run,
                SweepBatch(plan_ids=page.plan_ids),
                id=f"{workflow.info().workflow_id}-page-{page_number}",
                execution_timeout=timedelta(hours=6),
            )
            summary = summary.add(swept)
            if len(page.plan_ids) < request.page_size:
                return summary
            after = page.plan_ids[-1]


@workflow.defn
class SweepBatchWorkflow:
    @workflow.run
    async def run(self, batch: SweepBatch) -> SweepSummary:
        swept: list[SweepFindings | None] = []
        for start in range(0, len(batch.plan_ids), PLANS_AT_ONCE):
            chunk = batch.plan_ids[start : start + PLANS_AT_ONCE]
            swept += await asyncio.gather(*(self._sweep(plan_id) for plan_id in chunk))
        findings = [f for f in swept if f is not None]
        return SweepSummary(
            plans=len(findings),
            readers_removed=sum(len(f.removed_readers) for f in findings),
            check_ins_declined=sum(len(f.declined) for f in findings),
            not_swept=[p for p, f in zip(batch.plan_ids, swept, strict=True) if f is None],
        )

    @staticmethod
    async def _sweep(plan_id: str) -> SweepFindings | None:
        """One plan's failure (shown in the UI as its failed activity) spares the others."""
        try:
            return await act(SweepActivities.sweep_plan, SweepPlan(plan_id=plan_id), SWEEP)
        except ActivityError as error:
            workflow.logger.warning("plan %s was not swept: %s", plan_id, error.cause)
            return None
