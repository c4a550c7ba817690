"""Each workflow test gets its own plan on a fresh time-skipping server."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment

from coaching.actions import StartPlan, workflow_id_for
from coaching.policy import PlanPolicy
from coaching.status import Phase
from integrations import Integrations
from tests.workflows.running_plan import (
    PARTIES,
    RunningPlan,
    eventually,
    local_integrations,
    plan_content,
)
from worker import build_worker
from workflows.coaching_plan import CoachingPlanWorkflow


@pytest.fixture
def policy() -> PlanPolicy:
    return PlanPolicy()


@pytest.fixture
def plan_store(sqlite_store: Engine) -> Engine:
    """Where the plan's records go; a test module may override it."""
    return sqlite_store


@pytest.fixture
def plan_integrations(tmp_path: Path, plan_store: Engine) -> Integrations:
    """What the plan's activities talk to; a test module may override it."""
    return local_integrations(tmp_path, plan_store)


@pytest.fixture
async def plan(
    time_skipping_env: WorkflowEnvironment,
    tmp_path: Path,
    policy: PlanPolicy,
    plan_store: Engine,
    plan_integrations: Integrations,
) -> AsyncIterator[RunningPlan]:
    integrations = plan_integrations
    task_queue = f"plans-{uuid.uuid4()}"
    with ThreadPoolExecutor(max_workers=4) as executor:
        worker = build_worker(time_skipping_env.client, task_queue, integrations, executor)
        async with worker:
            today = (await time_skipping_env.get_current_time()).date()
            start = today + timedelta(days=7)
            plan_id = uuid.uuid4().hex[:12]
            handle = await time_skipping_env.client.start_workflow(
                CoachingPlanWorkflow.run,
                StartPlan(
                    plan_id=plan_id, parties=PARTIES, content=plan_content(start), policy=policy
                ),
                id=workflow_id_for(plan_id),
                task_queue=task_queue,
            )
            running = RunningPlan(time_skipping_env, handle, tmp_path, start, plan_store)
            await running.reaches(Phase.alignment)
            await eventually(running.first_draft_shared)
            yield running
