"""A plan on the time-skipping server, driven the way its people drive it."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionResponse
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from coaching.actions import (
    ApproveAlignment,
    MarkReady,
)
from coaching.connection import describe_execution
from coaching.notices import NoticeKind
from coaching.org import Person
from coaching.settings import Settings
from coaching.status import Phase, PlanStatus
from integrations import Integrations, build_sealer
from integrations.local.calendar import IcsCalendar
from integrations.local.documents import LocalDocumentStore
from integrations.local.mail import OutboxMailer
from store.hr_queries import HrQueries, PlanHistory, Scope
from store.plan_records import PlanRecords
from tests.outbox import messages, notices
from tests.plan_examples import HR, MANAGER, MEMBER, PARTIES, SKIP, STRANGER, plan_content
from tests.signatures import signature
from workflows.coaching_plan import CoachingPlanWorkflow

__all__ = ["HR", "MANAGER", "MEMBER", "PARTIES", "SKIP", "STRANGER", "plan_content"]

HISTORIES = Path(__file__).parent.parent / "histories"


def local_integrations(folder: Path, store: Engine) -> Integrations:
    """The real local integrations, writing under `folder`, HR's store, and a local CA's seal."""
    return Integrations(
        documents=LocalDocumentStore(folder),
        calendar=IcsCalendar(folder),
        mail=OutboxMailer(folder),
        records=PlanRecords(store),
        sealer=build_sealer(Settings(data_dir=folder)),
    )


@dataclass
class RunningPlan:
    """One plan on the time-skipping server, and the folder its activities write to."""

    env: WorkflowEnvironment
    handle: WorkflowHandle[CoachingPlanWorkflow, Any]
    data_dir: Path
    start: date
    store: Engine

    @property
    def plan_id(self) -> str:
        return self.handle.id.removeprefix("coaching-plan-")

    async def status(self) -> PlanStatus:
        return await self.handle.query(CoachingPlanWorkflow.status)

    async def stored(self, via: Engine | None = None) -> PlanHistory:
        """HR's record of this plan, read from the plan's store or through another engine."""
        history = HrQueries(via or self.store).history(
            Scope.everyone(), self.plan_id, await self.now()
        )
        assert history is not None, "the plan is not in HR's store"
        return history

    async def reaches(self, phase: Phase) -> PlanStatus:
        """Waits for the phase, and for the work that entering it started."""
        await eventually(lambda: self._in(phase))
        await self.settled()
        return await self.status()

    async def settled(self) -> None:
        await eventually(self._idle)

    async def first_draft_shared(self) -> bool:
        return bool((await self.status()).documents) and bool(self.outbox())

    async def _in(self, phase: Phase) -> bool:
        return (await self.status()).phase is phase

    async def _idle(self) -> bool:
        """Nothing pending, twice in a row: the test server does not always report the
        workflow task that follows a finished activity, so one look can fall in that gap."""
        for look in range(2):
            if look:
                await asyncio.sleep(0.1)
            raw = await self.describe()
            if raw.pending_activities or raw.HasField("pending_workflow_task"):
                return False
        return True

    async def describe(self) -> DescribeWorkflowExecutionResponse:
        return await describe_execution(self.env.client, self.handle.id)

    async def act(self, update: Any, action: Any) -> Any:
        return await self.handle.execute_update(update, action)

    async def refused(self, update: Any, action: Any) -> str:
        """Asserts the action is refused and changes nothing; returns the reason."""
        return (await self.refusal(update, action)).message

    async def refusal(self, update: Any, action: Any) -> ApplicationError:
        """Asserts the action is refused and changes nothing; returns the refusal, whose
        `type` says its kind."""
        await self.settled()
        before = (await self.status()).model_dump_json()
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await self.handle.execute_update(update, action)
        after = (await self.status()).model_dump_json()
        assert after == before, f"{before}\n!=\n{after}"
        cause = refused.value.cause
        assert isinstance(cause, ApplicationError), repr(cause)
        return cause

    async def now(self) -> datetime:
        return await self.env.get_current_time()

    async def advance(self, delta: timedelta) -> None:
        await self.env.sleep(delta)

    async def advance_to(self, moment: datetime) -> None:
        remaining = moment - await self.now()
        if remaining > timedelta(0):
            await self.env.sleep(remaining)

    def outbox(self) -> list[EmailMessage]:
        return messages(self.data_dir)

    def shared_with(self, version: int) -> list[str]:
        record = json.loads(
            (self.data_dir / "documents" / self.plan_id / "sharing.json").read_text()
        )
        shared: list[str] = record["versions"][str(version)]
        return shared

    async def expect_at(self, moment: datetime, person: Person, subject_part: str) -> None:
        """Nothing is sent a minute before `moment`; the message is there a minute after."""
        await self.advance_to(moment - timedelta(minutes=1))
        await self.settled()
        assert self.mail_to(person, subject_part) == [], f"{subject_part!r} came early"
        await self.advance_to(moment + timedelta(minutes=1))
        await eventually(lambda: bool(self.mail_to(person, subject_part)))

    async def reminder_due(self) -> datetime:
        """When the first reminder of the current wait is due: the obligation's `due`."""
        await self.settled()
        due = (await self.status()).owed[0].due
        assert due is not None
        return due

    async def received(self, person: Person, subject_part: str) -> None:
        """Waits for a message that the workflow sends on its own, after a phase change."""
        await eventually(lambda: bool(self.mail_to(person, subject_part)))

    def mail_to(self, person: Person, subject_part: str = "") -> list[EmailMessage]:
        return [
            m
            for m in self.outbox()
            if person.email in str(m["To"]) and subject_part in str(m["Subject"])
        ]

    def notices_to(self, person: Person, kind: NoticeKind) -> list[EmailMessage]:
        return notices(self.data_dir, person.email, kind)

    async def history_size(self) -> tuple[int, int]:
        """Events and bytes, as Temporal counts them (the last workflow task's own figure)."""
        events = (await self.handle.fetch_history()).events
        started = [e for e in events if e.HasField("workflow_task_started_event_attributes")]
        size = started[-1].workflow_task_started_event_attributes.history_size_bytes
        return len(events), size

    async def keep_history(self, name: str) -> None:
        """With COACHPLAN_RECORD_HISTORIES=1, saves this run for the replay tests."""
        if os.environ.get("COACHPLAN_RECORD_HISTORIES") == "1":
            history = await self.handle.fetch_history()
            (HISTORIES / f"{name}.json").write_text(history.to_json())

    # The usual way through the early phases, for tests about later ones.

    async def align(self) -> None:
        await self.act(
            CoachingPlanWorkflow.approve, ApproveAlignment(actor=SKIP.email, comment="Agreed.")
        )

    async def agree(self) -> None:
        version = (await self.status()).version
        for person in (MANAGER, MEMBER):
            await self.act(
                CoachingPlanWorkflow.mark_ready, MarkReady(actor=person.email, version=version)
            )

    async def sign_by(self, person: Person) -> None:
        status = await self.status()
        await self.act(
            CoachingPlanWorkflow.sign,
            signature(self.plan_id, status.versions[-1], status.parties, person.email),
        )

    async def activate(self) -> None:
        """Each answer is the truth: signing is open as soon as the second "ready" returns."""
        await self.align()
        await self.agree()
        await self.sign_by(MANAGER)
        await self.sign_by(MEMBER)


async def eventually(check: Callable[[], Awaitable[bool] | bool], seconds: float = 10) -> None:
    """Waits (in real time) for a workflow task that a timer or an update started to finish."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        outcome = check()
        if not isinstance(outcome, bool):
            outcome = await outcome
        if outcome:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"still not true after {seconds} s: {check}")
        await asyncio.sleep(0.05)
