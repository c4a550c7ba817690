"""The daily sweep's hands: which plans are open, and for each, who can read its document
that should not, and which check-ins an attendee declined.

Each plan is asked (a query, which adds nothing to its history) whom its document is shared
with and what its check-in series is; only when something is found is the plan told (a
signal), so a quiet day costs a plan's history nothing.
"""

from __future__ import annotations

import asyncio

from pydantic import Field
from temporalio import activity
from temporalio.client import (
    Client,
    WorkflowQueryFailedError,
    WorkflowQueryRejectedError,
)
from temporalio.common import QueryRejectCondition
from temporalio.service import RPCError, RPCStatusCode

from coaching.actions import workflow_id_for
from coaching.org import Parties, Person
from coaching.plan import StrictModel
from coaching.status import Phase
from integrations.calendar import CheckInCalendar, CheckInSeries, DeclinedCheckIn
from integrations.documents import DocumentStore
from integrations.recipients import Purpose, RecipientGate
from store.hr_queries import HrQueries

GUARDED_QUERY = "guarded"
"""The plan workflow's query the sweep asks, and its signal for what the sweep found: named
here, as the workflow module imports this one."""
SWEEP_FOUND_SIGNAL = "sweep_found"


class OpenPlansPage(StrictModel):
    after: str | None = None
    """The last plan id of the page before."""
    limit: int = Field(default=100, ge=1, le=1000)


class OpenPlans(StrictModel):
    plan_ids: list[str]


class GuardedPlan(StrictModel):
    """What a plan answers the sweep: whom its document is shared with, and its check-ins."""

    plan_id: str
    readers: list[Person]
    hr_included: bool = False
    series: CheckInSeries | None
    parties: Parties
    phase: Phase
    team_member_included: bool
    """Whom the recipient gate admits `readers` from."""


class SweepFindings(StrictModel):
    plan_id: str
    removed_readers: list[str] = Field(default_factory=list)
    """Emails that could read the document without being allowed to, and no longer can."""
    declined: list[DeclinedCheckIn] = Field(default_factory=list)

    @property
    def anything(self) -> bool:
        return bool(self.removed_readers or self.declined)


class SweepPlan(StrictModel):
    plan_id: str


class SweepActivities:
    def __init__(
        self,
        client: Client,
        records: HrQueries,
        documents: DocumentStore,
        calendar: CheckInCalendar,
        gate: RecipientGate | None = None,
    ) -> None:
        self._client = client
        self._records = records
        self._documents = documents
        self._calendar = calendar
        self._gate = gate or RecipientGate()

    @activity.defn
    async def open_plans(self, page: OpenPlansPage) -> OpenPlans:
        ids = await asyncio.to_thread(self._records.open_plan_ids, page.after, page.limit)
        return OpenPlans(plan_ids=ids)

    @activity.defn
    async def sweep_plan(self, request: SweepPlan) -> SweepFindings:
        """A plan that has finished meanwhile, or never existed, has nothing to guard."""
        handle = self._client.get_workflow_handle(workflow_id_for(request.plan_id))
        try:
            guarded: GuardedPlan = await handle.query(
                GUARDED_QUERY,
                result_type=GuardedPlan,
                reject_condition=QueryRejectCondition.NOT_OPEN,
            )
        except WorkflowQueryRejectedError:
            return SweepFindings(plan_id=request.plan_id)
        except WorkflowQueryFailedError as error:
            activity.logger.warning("plan %s cannot be swept: %s", request.plan_id, error)
            return SweepFindings(plan_id=request.plan_id)
        except RPCError as error:
            if error.status is not RPCStatusCode.NOT_FOUND:
                raise
            activity.logger.warning("plan %s is in HR's store but not in Temporal", request.plan_id)
            return SweepFindings(plan_id=request.plan_id)
        group = [self._gate.hr_group] if guarded.hr_included and self._gate.hr_group else []
        self._gate.admit(
            request.plan_id,
            guarded.parties,
            guarded.phase,
            [*(person.email for person in guarded.readers), *group],
            Purpose.kept_readers,
            team_member_included=guarded.team_member_included,
        )
        findings = SweepFindings(
            plan_id=request.plan_id,
            removed_readers=await asyncio.to_thread(
                self._documents.remove_other_readers,
                request.plan_id,
                guarded.readers,
                guarded.hr_included,
            ),
            declined=(
                await asyncio.to_thread(self._calendar.declined_check_ins, guarded.series)
                if guarded.series is not None
                else []
            ),
        )
        if findings.anything:
            await handle.signal(SWEEP_FOUND_SIGNAL, findings)
        activity.logger.info(
            "Swept plan %s: %d reader(s) removed, %d declined check-in(s)",
            request.plan_id,
            len(findings.removed_readers),
            len(findings.declined),
        )
        return findings
