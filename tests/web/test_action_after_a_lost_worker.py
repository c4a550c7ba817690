"""A person acts right after the plan's worker was lost. Until another worker has taken the
plan's workflow task again, Temporal refuses Updates ("Workflow Task in failed state"). The
app keeps sending the same Update, with the same id, so the person's action is taken once
when a worker is back; if none comes back in time, they hear 503 and nothing changed.

The lost worker is played by a worker whose every workflow task fails: the state Temporal is
in after a worker died mid-task, without killing anything."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio import workflow
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

import starter.plan_client
from coaching.actions import ApproveAlignment, workflow_id_for
from coaching.connection import describe_execution
from coaching.records import Refusal
from coaching.settings import Settings
from coaching.status import Phase
from integrations import build_integrations
from starter.plan_client import PlanClient
from tests.web.browserless import (
    KWAME,
    MARCUS,
    PRIYA,
    Browserless,
    WebStack,
    example_form,
    migrated_settings,
    plan_id_from,
)
from tests.workflows.running_plan import eventually
from web.app import create_app
from worker import build_worker
from workflows.coaching_plan import CoachingPlanWorkflow


@workflow.defn(name="CoachingPlanWorkflow", sandboxed=False)
class FailingPlanTask:
    """Every workflow task of a plan fails, as a worker's that died mid-task did."""

    @workflow.run
    async def run(self) -> None:
        raise RuntimeError("this worker is gone")


@asynccontextmanager
async def product_worker(client: Client, settings: Settings) -> AsyncIterator[None]:
    integrations = build_integrations(settings)
    with ThreadPoolExecutor(max_workers=8) as executor:
        async with build_worker(client, settings.task_queue, integrations, executor):
            yield
    integrations.records.engine.dispose()


@asynccontextmanager
async def failing_tasks(client: Client, settings: Settings, plan_id: str) -> AsyncIterator[None]:
    """The plan's workflow task in failed state for as long as this lasts."""
    async with Worker(
        client,
        task_queue=settings.task_queue,
        workflows=[FailingPlanTask],
        max_cached_workflows=0,
    ):
        handle = client.get_workflow_handle(workflow_id_for(plan_id))
        await handle.signal(
            CoachingPlanWorkflow.note_refusal, Refusal(actor=PRIYA, action="approve", reason="-")
        )

        async def task_failing() -> bool:
            """A task on its second attempt or later is what Temporal calls "in failed state"
            (the first may have timed out on the stopped worker's sticky queue instead)."""
            described = await describe_execution(client, workflow_id_for(plan_id))
            return described.pending_workflow_task.attempt >= 2

        await eventually(task_failing, seconds=60)
        yield


async def approvals(client: Client, plan_id: str) -> int:
    handle = client.get_workflow_handle(workflow_id_for(plan_id))
    accepted = [
        event.workflow_execution_update_accepted_event_attributes.accepted_request.input.name
        async for event in handle.fetch_history_events()
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
    ]
    return accepted.count("approve")


@pytest.mark.timeout(120)
async def test_an_action_sent_while_the_plan_recovers_is_taken_once_a_worker_is_back(
    dev_server_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    client = dev_server_env.client
    settings = migrated_settings(client, tmp_path)
    web = WebStack(create_app(settings, client=client), settings, client)
    people = Browserless(web)
    priya = await people.signed_in(PRIYA)
    async with product_worker(client, settings):
        plan_id = plan_id_from(await priya.post("/plans/new", example_form(KWAME)))

    plans: PlanClient = web.app.state.context.plans
    approve = ApproveAlignment(actor=MARCUS, comment="Right time")
    async with failing_tasks(client, settings, plan_id):
        approval = asyncio.create_task(plans.act(plan_id, CoachingPlanWorkflow.approve, approve))
        await asyncio.sleep(3)
        assert not approval.done(), "the client gave up while the plan was recovering"

    async with product_worker(client, settings):
        result = await approval
        assert result.phase is Phase.co_authoring
        assert (await web.status(plan_id)).phase is Phase.co_authoring
    assert await approvals(client, plan_id) == 1
    await people.close()


@pytest.mark.timeout(120)
async def test_a_plan_that_stays_unreachable_answers_503_and_nothing_changes(
    dev_server_env: WorkflowEnvironment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(starter.plan_client, "NOT_READY_PATIENCE", timedelta(seconds=2))
    client = dev_server_env.client
    settings = migrated_settings(client, tmp_path)
    people = Browserless(WebStack(create_app(settings, client=client), settings, client))
    priya, marcus = await people.signed_in(PRIYA), await people.signed_in(MARCUS)
    async with product_worker(client, settings):
        plan_id = plan_id_from(await priya.post("/plans/new", example_form(KWAME)))

    async with failing_tasks(client, settings, plan_id):
        page = await marcus.post(f"/plans/{plan_id}/actions/approve", {})
        assert page.status_code == 503, page.text
        assert f"plan {plan_id} is not answering" in page.text
        api = await marcus.http.post(
            f"/api/plans/{plan_id}/actions/approve",
            json={},
            headers={"X-CSRF-Token": marcus.csrf},
        )
        assert api.status_code == 503, api.text
        (problem,) = api.json()["detail"]
        assert problem["rule"].endswith("Please try again in a moment."), problem

    async with product_worker(client, settings):

        async def answering() -> bool:
            return (await marcus.get(f"/api/plans/{plan_id}")).status_code == 200

        await eventually(answering, seconds=30)
        status = await marcus.get(f"/api/plans/{plan_id}")
        assert status.json()["phase"] == "alignment"
    assert await approvals(client, plan_id) == 0
    await people.close()
