"""Keeps HR's read model in step with the plan: one idempotent write per change."""

from __future__ import annotations

from temporalio import activity

from coaching.plan import StrictModel
from coaching.records import PlanRecord
from store.plan_records import PlanRecords


class RecordedPlan(StrictModel):
    plan_id: str
    revision: int
    applied: bool
    """False when the store already held this revision or a newer one (a retry or a replay)."""


class RecordActivities:
    def __init__(self, records: PlanRecords) -> None:
        self._records = records

    @activity.defn
    def record_plan(self, record: PlanRecord) -> RecordedPlan:
        """A database that is down fails the attempt; Temporal retries it until it is back."""
        applied = self._records.save(record)
        activity.logger.info(
            "Recorded plan %s at revision %d (%s, %d audit lines)",
            record.plan_id,
            record.revision,
            "applied" if applied else "already stored",
            len(record.audit),
        )
        return RecordedPlan(plan_id=record.plan_id, revision=record.revision, applied=applied)
