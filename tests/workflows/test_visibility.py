"""Operators find plans in the Temporal UI by phase and next deadline, and by nothing personal."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from coaching.actions import (
    ApproveAlignment,
    MarkReady,
    StartPlan,
    workflow_id_for,
)
from coaching.schedule import plan_starts_at
from coaching.visibility import NEXT_DEADLINE, PLAN_PHASE
from tests.signatures import signature
from tests.workflows.running_plan import PARTIES, SKIP, eventually, local_integrations, plan_content
from worker import build_worker
from workflows.coaching_plan import CoachingPlanWorkflow as Plan


@pytest.fixture
async def task_queue(
    dev_server_env: WorkflowEnvironment, tmp_path: Path, sqlite_store: Engine
) -> AsyncIterator[str]:
    integrations = local_integrations(tmp_path, sqlite_store)
    queue = f"visibility-{uuid.uuid4().hex[:8]}"
    with ThreadPoolExecutor(max_workers=4) as executor:
        async with build_worker(dev_server_env.client, queue, integrations, executor):
            yield queue


async def listed(client: Client, query: str) -> list[str]:
    return [execution.id async for execution in client.list_workflows(query)]


async def test_the_phase_and_next_deadline_follow_the_plan(
    dev_server_env: WorkflowEnvironment, task_queue: str
) -> None:
    client = dev_server_env.client
    plan_id = uuid.uuid4().hex[:12]
    handle = await client.start_workflow(
        Plan.run,
        StartPlan(
            plan_id=plan_id,
            parties=PARTIES,
            content=plan_content(date.today() + timedelta(days=7)),
        ),
        id=workflow_id_for(plan_id),
        task_queue=task_queue,
    )
    mine = f'WorkflowId = "{handle.id}"'

    async def found(query: str) -> bool:
        return await listed(client, f"{mine} AND {query}") == [handle.id]

    await eventually(lambda: found(f'{PLAN_PHASE.name} = "alignment"'))

    async def deadline_shown() -> bool:
        owed = (await handle.query(Plan.status)).owed
        shown = (await handle.describe()).typed_search_attributes.get(NEXT_DEADLINE)
        return bool(owed) and shown is not None and shown == owed[0].due

    await eventually(deadline_shown)
    due = (await handle.query(Plan.status)).owed[0].due
    assert due is not None
    assert await found(f'{NEXT_DEADLINE.name} < "{(due + timedelta(minutes=1)).isoformat()}"')
    assert not await found(f'{NEXT_DEADLINE.name} < "{(due - timedelta(minutes=1)).isoformat()}"')

    await handle.execute_update(Plan.approve, ApproveAlignment(actor=SKIP.email))
    await eventually(lambda: found(f'{PLAN_PHASE.name} = "co_authoring"'))

    attributes = (await handle.describe()).typed_search_attributes
    assert attributes.get(PLAN_PHASE) == "co_authoring"
    shown = " ".join(str(pair.value) for pair in attributes)
    people = [PARTIES.manager, PARTIES.team_member, PARTIES.skip_level]
    assert not any(p.email in shown or p.name in shown or p.id in shown for p in people)
    await handle.terminate("test done")


async def test_a_signed_plan_shows_its_start_as_the_next_deadline(
    dev_server_env: WorkflowEnvironment, task_queue: str
) -> None:
    client = dev_server_env.client
    plan_id = uuid.uuid4().hex[:12]
    content = plan_content(date.today() + timedelta(days=7))
    handle = await client.start_workflow(
        Plan.run,
        StartPlan(plan_id=plan_id, parties=PARTIES, content=content),
        id=workflow_id_for(plan_id),
        task_queue=task_queue,
    )
    await handle.execute_update(Plan.approve, ApproveAlignment(actor=SKIP.email))
    for person in (PARTIES.manager, PARTIES.team_member):
        await handle.execute_update(Plan.mark_ready, MarkReady(actor=person.email, version=1))
    status = await handle.query(Plan.status)
    for person in (PARTIES.manager, PARTIES.team_member):
        await handle.execute_update(
            Plan.sign,
            signature(status.plan_id, status.versions[-1], status.parties, person.email),
        )
    starts_at = plan_starts_at(content)

    async def start_shown() -> bool:
        attributes = (await handle.describe()).typed_search_attributes
        return attributes.get(PLAN_PHASE) == "active" and attributes.get(NEXT_DEADLINE) == starts_at

    await eventually(start_shown)
    soon_after = (starts_at + timedelta(minutes=1)).astimezone(UTC).isoformat()
    query = f'WorkflowId = "{handle.id}" AND {NEXT_DEADLINE.name} < "{soon_after}"'
    await eventually(lambda: _found(client, query, handle.id))
    await handle.terminate("test done")


async def _found(client: Client, query: str, workflow_id: str) -> bool:
    return await listed(client, query) == [workflow_id]
