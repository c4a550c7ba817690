"""The people of a plan, played by the benchmarks: each step as the web app or the CLI sends it.

`ProductPeople` drives `CoachingPlanWorkflow` through the product's public client
(`starter.plan_client.PlanClient`): the same start, Updates, status queries and signing
evidence as the web app. `BarePeople` sends the same Updates with the same action models to
`BareCoachingPlanWorkflow` on the same Temporal client, and asks its small status query where
the product's people read the plan's status. Both answer as a `Snapshot`, so the paths in
`bench/plan_paths.py` drive either one the same way.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol

from temporalio.client import Client, WorkflowHandle

from activities.documents import signing_copy
from bench.bare_activities import BareStatus
from bench.bare_workflow import BareCoachingPlanWorkflow
from coaching.actions import (
    SIGNING_INTENT,
    ActivityDraft,
    ActivityProgress,
    AddCheckInNote,
    ApproveAlignment,
    CancelPlan,
    CommentOnReview,
    MarkReady,
    ProposeActivities,
    RecordCheckIn,
    ReviewOutcome,
    SignPlan,
    SignRequest,
    StartPlan,
    SubmitReview,
    SupportDelivery,
    workflow_id_for,
)
from coaching.evidence import ConsentRecord, Disclosure, Identification, IdentificationMethod
from coaching.form import PlanForm
from coaching.org import OrgDirectory, Parties
from coaching.plan import ActivityStatus
from coaching.status import ActionResult, CheckInStatus, Phase, PlanStatus
from starter.plan_client import PlanClient, PlanError, PlanNotAnswering
from workflows.coaching_plan import CoachingPlanWorkflow

RELOAD_AFTER_SECONDS = 1.0
DEVELOPMENT_SIGN_IN = Identification(method=IdentificationMethod.development_sign_in)
"""How the web app's development sign-in identifies a signer."""


@dataclass(frozen=True)
class DueCheckIn:
    number: int
    due_at: datetime
    due: bool
    """Its timer fired: the manager may record it."""


@dataclass(frozen=True)
class Snapshot:
    """What the people read before they act: the same questions of either workflow."""

    phase: Phase
    version: int
    activities: list[tuple[str, str]]
    support_ids: list[str]
    check_ins: list[DueCheckIn]
    review_due_at: datetime | None


@dataclass(frozen=True)
class Plan:
    """One plan the benchmark started, with who plays its people."""

    plan_id: str
    parties: Parties
    started_at: float
    """`time.perf_counter()` just before the start request was sent."""


class PlanPeople(Protocol):
    """Everything a plan's people do in the benchmarks."""

    label: str
    data_dir: Path
    not_answering: int

    def workflow_id(self, plan_id: str) -> str: ...
    async def start(self, member: str, started_at: float) -> Plan: ...
    async def snapshot(self, plan: Plan) -> Snapshot: ...
    async def approve(self, plan: Plan) -> None: ...
    async def propose(self, plan: Plan, snapshot: Snapshot) -> None: ...
    async def ready(self, plan: Plan, who: str, version: int) -> None: ...
    async def sign(self, plan: Plan, who: str) -> None: ...
    async def record_check_in(self, plan: Plan, number: int, snapshot: Snapshot) -> None: ...
    async def add_note(self, plan: Plan, number: int) -> None: ...
    async def submit_review(self, plan: Plan) -> None: ...
    async def comment(self, plan: Plan) -> None: ...
    async def cancel(self, plan: Plan) -> None: ...


def _unanswered(error: PlanError) -> bool:
    """A query that timed out, or a connection the server dropped."""
    return isinstance(error, PlanNotAnswering) or (
        type(error) is PlanError and "cannot be reached" in str(error)
    )


def check_in_notes(plan: Plan, number: int, snapshot: Snapshot, last: bool) -> RecordCheckIn:
    return RecordCheckIn(
        actor=plan.parties.manager.email,
        number=number,
        progress=[
            ActivityProgress(
                activity_id=activity_id,
                status=ActivityStatus.done if last else ActivityStatus.in_progress,
                note="steady progress",
            )
            for activity_id, _ in snapshot.activities
        ],
        support=[
            SupportDelivery(support_id=support_id, delivered=True)
            for support_id in snapshot.support_ids
        ],
        feedback="Updates are clearer every week.",
    )


def proposal(plan: Plan, snapshot: Snapshot) -> ProposeActivities:
    """The team member keeps the manager's activities and adds one of their own."""
    kept = [ActivityDraft(id=i, description=text) for i, text in snapshot.activities]
    added = ActivityDraft(description="Present one update in the team meeting")
    return ProposeActivities(
        actor=plan.parties.team_member.email,
        activities=[*kept, added],
        note="I'd like to practise presenting too",
    )


def review(plan: Plan) -> SubmitReview:
    return SubmitReview(
        actor=plan.parties.manager.email,
        outcome=ReviewOutcome.achieved,
        achievements="Four on-time updates; presented once to the team.",
        next_steps="Run the quarterly stakeholder review.",
    )


COMMENT = "Thanks, this helped a lot."
CANCEL_REASON = "Benchmark: the short path ends here"


class ProductPeople:
    """Through `PlanClient`, exactly as the web app and the CLI call it."""

    label = "coachplan"

    def __init__(
        self, client: PlanClient, form: PlanForm, data_dir: Path, today: Callable[[], date]
    ) -> None:
        self._client = client
        self._form = form
        self.data_dir = data_dir
        self._today = today
        self.not_answering = 0
        """How often the client said "not answering" (its query timed out) and was asked again."""

    def workflow_id(self, plan_id: str) -> str:
        return workflow_id_for(plan_id)

    async def start(self, member: str, started_at: float) -> Plan:
        manager = self._client.directory.by_email(member).manager
        assert manager is not None
        manager_email = self._client.directory.by_id(manager).email
        form = self._form.model_copy(update={"team_member": member})
        start = await self._client.start(form, manager_email, self._today())
        return Plan(start.plan_id, start.parties, started_at)

    async def _status(self, plan: Plan, who: str | None = None) -> PlanStatus:
        """As a person reloads a page that said the plan is not answering (the client's
        query timeout): each time counted, as what people would have seen."""
        while True:
            try:
                return await self._client.status(plan.plan_id, who or plan.parties.manager.email)
            except PlanError as error:
                if not _unanswered(error):
                    raise
                self.not_answering += 1
                await asyncio.sleep(RELOAD_AFTER_SECONDS)

    async def snapshot(self, plan: Plan) -> Snapshot:
        status = await self._status(plan)
        return Snapshot(
            phase=status.phase,
            version=status.version,
            activities=[(a.id, a.description) for a in status.content.activities],
            support_ids=[s.id for s in status.content.support],
            check_ins=[
                DueCheckIn(c.number, c.due_at, c.status is not CheckInStatus.scheduled)
                for c in status.check_ins
            ],
            review_due_at=status.review_due_at,
        )

    async def _act(self, plan: Plan, update: Any, action: Any) -> None:
        await self._client.act(plan.plan_id, update, action)

    async def approve(self, plan: Plan) -> None:
        action = ApproveAlignment(actor=plan.parties.skip_level.email, comment="Agreed.")
        await self._act(plan, CoachingPlanWorkflow.approve, action)

    async def propose(self, plan: Plan, snapshot: Snapshot) -> None:
        await self._act(plan, CoachingPlanWorkflow.propose_activities, proposal(plan, snapshot))

    async def ready(self, plan: Plan, who: str, version: int) -> None:
        action = MarkReady(actor=who, version=version)
        await self._act(plan, CoachingPlanWorkflow.mark_ready, action)

    async def sign(self, plan: Plan, who: str) -> None:
        """As the plan page's sign form: the version and both hashes read from the status;
        signed again after "not answering" unless the signature went through."""
        while True:
            try:
                return await self._sign(plan, who)
            except PlanError as error:
                if not _unanswered(error):
                    raise
                self.not_answering += 1
                status = await self._status(plan, who)
                if any(s.email == who and s.version == status.version for s in status.signatures):
                    return

    async def _sign(self, plan: Plan, who: str) -> None:
        status = await self._status(plan, who)
        copy = signing_copy(status.plan_id, status.versions[-1], status.parties)
        request = SignRequest(
            actor=who,
            version=status.version,
            sha256=status.sha256,
            intent=SIGNING_INTENT,
            document_sha256=copy.sha256,
            consent_to_sign_electronically=True,
        )
        await self._client.sign(plan.plan_id, request, DEVELOPMENT_SIGN_IN, seen=status)

    async def record_check_in(self, plan: Plan, number: int, snapshot: Snapshot) -> None:
        last = number == len(snapshot.check_ins)
        action = check_in_notes(plan, number, snapshot, last)
        await self._act(plan, CoachingPlanWorkflow.record_check_in, action)

    async def add_note(self, plan: Plan, number: int) -> None:
        action = AddCheckInNote(
            actor=plan.parties.team_member.email, number=number, note="Felt supported."
        )
        await self._act(plan, CoachingPlanWorkflow.add_check_in_note, action)

    async def submit_review(self, plan: Plan) -> None:
        await self._act(plan, CoachingPlanWorkflow.submit_review, review(plan))

    async def comment(self, plan: Plan) -> None:
        action = CommentOnReview(actor=plan.parties.team_member.email, comment=COMMENT)
        await self._act(plan, CoachingPlanWorkflow.comment_on_review, action)

    async def cancel(self, plan: Plan) -> None:
        action = CancelPlan(actor=plan.parties.manager.email, reason=CANCEL_REASON)
        await self._act(plan, CoachingPlanWorkflow.cancel, action)


class BarePeople:
    """The same Updates and action models, sent to the bare workflow on the same client."""

    label = "bare"

    def __init__(
        self,
        client: Client,
        org: OrgDirectory,
        form: PlanForm,
        task_queue: str,
        data_dir: Path,
        today: Callable[[], date],
    ) -> None:
        self._client = client
        self._org = org
        self._form = form
        self._task_queue = task_queue
        self.data_dir = data_dir
        self._today = today
        self.not_answering = 0

    def workflow_id(self, plan_id: str) -> str:
        """A plan's: the codec then tags the bare plan's payloads with its id, as it does the
        product's (about 35 bytes each), and the histories compare like for like."""
        return workflow_id_for(plan_id)

    def _handle(self, plan: Plan) -> WorkflowHandle[Any, Any]:
        return self._client.get_workflow_handle(self.workflow_id(plan.plan_id))

    async def start(self, member: str, started_at: float) -> Plan:
        entry = self._org.by_email(member)
        assert entry.manager is not None
        parties = self._org.parties_for(self._org.by_id(entry.manager).email, member)
        form = self._form.model_copy(update={"team_member": member})
        start = StartPlan(
            plan_id=uuid.uuid4().hex[:12], parties=parties, content=form.to_content(self._today())
        )
        await self._client.start_workflow(
            BareCoachingPlanWorkflow.run,
            start,
            id=self.workflow_id(start.plan_id),
            task_queue=self._task_queue,
        )
        return Plan(start.plan_id, parties, started_at)

    async def snapshot(self, plan: Plan) -> Snapshot:
        status: BareStatus = await self._handle(plan).query(
            BareCoachingPlanWorkflow.status, result_type=BareStatus
        )
        return Snapshot(
            phase=status.phase,
            version=status.version,
            activities=[(i, "An activity") for i in status.activity_ids],
            support_ids=status.support_ids,
            check_ins=[DueCheckIn(c.number, c.due_at, c.due) for c in status.check_ins],
            review_due_at=status.review_due_at,
        )

    async def _act(self, plan: Plan, update: str, action: Any) -> None:
        await self._handle(plan).execute_update(update, action, result_type=ActionResult)

    async def approve(self, plan: Plan) -> None:
        action = ApproveAlignment(actor=plan.parties.skip_level.email, comment="Agreed.")
        await self._act(plan, "approve", action)

    async def propose(self, plan: Plan, snapshot: Snapshot) -> None:
        await self._act(plan, "propose_activities", proposal(plan, snapshot))

    async def ready(self, plan: Plan, who: str, version: int) -> None:
        await self._act(plan, "mark_ready", MarkReady(actor=who, version=version))

    async def sign(self, plan: Plan, who: str) -> None:
        """The same evidence as the product's signature carries, over made-up hashes."""
        snapshot = await self.snapshot(plan)
        people = (plan.parties.manager, plan.parties.team_member)
        person = next(p for p in people if p.email == who)
        digest = hashlib.sha256(f"{plan.plan_id}/{snapshot.version}".encode()).hexdigest()
        consent = ConsentRecord.given(
            consent_id=f"consent-{uuid.uuid4().hex}",
            person_id=person.id,
            email=person.email,
            name=person.name,
            disclosure=Disclosure(),
            at=datetime.now().astimezone(),
            through=DEVELOPMENT_SIGN_IN,
        )
        action = SignPlan(
            actor=who,
            version=snapshot.version,
            sha256=digest,
            intent=SIGNING_INTENT,
            document_sha256=digest,
            identified_by=DEVELOPMENT_SIGN_IN,
            consent=consent,
        )
        await self._act(plan, "sign", action)

    async def record_check_in(self, plan: Plan, number: int, snapshot: Snapshot) -> None:
        last = number == len(snapshot.check_ins)
        await self._act(plan, "record_check_in", check_in_notes(plan, number, snapshot, last))

    async def add_note(self, plan: Plan, number: int) -> None:
        action = AddCheckInNote(
            actor=plan.parties.team_member.email, number=number, note="Felt supported."
        )
        await self._act(plan, "add_check_in_note", action)

    async def submit_review(self, plan: Plan) -> None:
        await self._act(plan, "submit_review", review(plan))

    async def comment(self, plan: Plan) -> None:
        action = CommentOnReview(actor=plan.parties.team_member.email, comment=COMMENT)
        await self._act(plan, "comment_on_review", action)

    async def cancel(self, plan: Plan) -> None:
        action = CancelPlan(actor=plan.parties.manager.email, reason=CANCEL_REASON)
        await self._act(plan, "cancel", action)
