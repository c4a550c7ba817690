"""Keeps HR's read model in step with the plan: one idempotent write per change."""

from __future__ import annotations

from temporalio import activity

from activities.documents import signing_copy
from activities.threaded import threaded_activity
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

    @threaded_activity
    def record_plan(self, record: PlanRecord) -> RecordedPlan:
        """A database that is down fails the attempt; Temporal retries it until it is back.

        A newly signed version's signing copy is rendered here, from its content, exactly as
        it was put up for signature, so HR's store keeps what the signers read.
        """
        copies = {
            version.number: signing_copy(record.plan_id, version, record.parties).html
            for version in self._records.awaiting_signing_copy(record)
        }
        applied = self._records.save(record, copies)
        activity.logger.info(
            "Recorded plan %s at revision %d (%s, %d audit lines)",
            record.plan_id,
            record.revision,
            "applied" if applied else "already stored",
            len(record.audit),
        )
        return RecordedPlan(plan_id=record.plan_id, revision=record.revision, applied=applied)
